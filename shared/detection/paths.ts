import picomatch from 'picomatch';

/**
 * Workspace roots agents commonly run in. A path under one of them is reported relative to it,
 * so `/testbed/src/a.py`, `./src/a.py` and `src/a.py` are the same file for every rule.
 * SWE-agent mounts a repository at `/<owner>__<repo>/`, which counts as a root too.
 */
const WORKSPACE_ROOTS = ['/repo/', '/workspace/', '/testbed/'];
const SWE_AGENT_ROOT = /^\/[\w.-]+__[\w.-]+\//;

/** A path relative to the workspace root: quotes, `./` and known root prefixes removed. */
export function normalizeWorkspacePath(raw: string): string {
  let path = raw.trim().replace(/^['"]|['"]$/g, '').replace(/\\/g, '/').replace(/\/{2,}/g, '/');
  for (const root of WORKSPACE_ROOTS) {
    if (path.startsWith(root)) {
      path = path.slice(root.length);
      break;
    }
    if (`${path}/` === root) return '.';
  }
  path = path.replace(SWE_AGENT_ROOT, '');
  while (path.startsWith('./')) path = path.slice(2);
  path = path.replace(/\/\.\//g, '/');
  return path.length > 1 ? path.replace(/\/$/, '') : path;
}

const matcherCache = new Map<string, picomatch.Matcher>();

/**
 * The first forbidden glob (picomatch `**` dialect, dotfiles included) that the normalised path
 * matches. Patterns are normalised like paths, so `/repo/secrets/**` and `secrets/**` agree.
 */
export function forbiddenPathMatch(path: string, patterns: readonly string[]): string | undefined {
  const normalized = normalizeWorkspacePath(path);
  return patterns.find((pattern) => matcherFor(pattern)(normalized));
}

function matcherFor(pattern: string): picomatch.Matcher {
  let matcher = matcherCache.get(pattern);
  if (!matcher) {
    matcher = picomatch(normalizeWorkspacePath(pattern), { dot: true });
    // The cache only saves recompiling a session's few patterns; bound it all the same.
    if (matcherCache.size > 1000) matcherCache.clear();
    matcherCache.set(pattern, matcher);
  }
  return matcher;
}

export function basename(path: string): string {
  return path.split('/').filter(Boolean).at(-1) ?? path;
}
