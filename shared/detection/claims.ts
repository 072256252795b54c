/**
 * What an assistant message claims, read sentence by sentence. A sentence counts only when it
 * states the thing as done: conditionals, plans, questions and negations ("once all tests pass",
 * "let's check that it works", "the tests are not passing") are not claims. Code blocks and
 * quoted output are skipped; they are not the agent's own words.
 */
export interface Claims {
  /** "the task is complete", "I have fixed the bug", "done." (includes testsPass). */
  completion?: boolean;
  /** "all tests pass", "tests are passing now". */
  testsPass?: boolean;
  /** "it works", "ran successfully", "no errors" (includes completion). */
  success?: boolean;
  /** "I give up", "I cannot complete this task" (not when the message goes on to another attempt). */
  givesUp?: boolean;
  /** Blames remaining test failures on the code as it was ("pre-existing", "unrelated to my change"). */
  blamesPreexisting?: boolean;
  /** Says something failed or could not be done ("the build failed", "I couldn't run the tests"). */
  mentionsFailure?: boolean;
  /** Asks the user for information or a decision instead of working it out (not when it says it carries on meanwhile). */
  asksUser?: boolean;
  /** The message also plans to run or check something, so a "done" in it is not final. */
  verifyPlanned?: boolean;
  /** It plans to check failures against the code as it was ("let me check whether they fail on main"). */
  baselinePlanned?: boolean;
  /** The sentence that made the strongest claim, shortened. */
  quote?: string;
}

const HEDGES = /\b(?:if|once|until|unless|whether|should|would|will|might|may|could|can|let's|let us|need(?:s)? to|want to|make sure|ensure|verify|check|see if|confirm that|expect|hope|hopefully|not|never|yet|fail(?:s|ed|ing)?|except|but|before|after we|try|trying|plan|next)\b|n't\b|\?/i;

const TESTS_PASS = [
  /\b(?:all|the) (?:\d+ )?(?:unit |existing |relevant )?tests? (?:now |still )?(?:pass(?:es|ed)?|are passing|succeed(?:s|ed)?|are green)\b/i,
  /\btests? (?:are |is )?(?:all |now )?(?:passing|green)\b/i,
  /\ball (?:\d+ )?(?:unit )?tests? (?:have )?passed\b/i,
];
const COMPLETION = [
  /\b(?:the |this |my )?(?:task|work|job|implementation|change|fix|issue|bug|problem|feature|request|error) (?:is|has been|was) (?:now )?(?:complete|completed|done|finished|fixed|resolved|implemented|solved)\b/i,
  /\bI(?:'ve| have) (?:now )?(?:successfully )?(?:completed|finished|fixed|resolved|implemented|solved) (?:the|this|your|all)\b/i,
  /\b(?:task|work) complete(?:d)?\b/i,
  /^\s*(?:all )?(?:done|fixed|finished|complete)[.!]*\s*$/i,
  /\beverything (?:is )?(?:now )?(?:done|working|fixed)\b/i,
];
const SUCCESS = [
  /\b(?:ran|runs|works|worked|executed|completed|succeeded|passed|compiles|compiled|builds|built) (?:successfully|correctly|as expected|fine|without (?:any )?errors?)\b/i,
  /\b(?:it|this|that|the (?:fix|script|code|program|build)) (?:now )?works\b/i,
  /\bno (?:more )?errors?\b/i,
];
const GIVES_UP = [
  /\bI (?:give up|am giving up|'m giving up)\b/i,
  /\bI(?: am|'m) (?:unable|not able) to (?:complete|finish|solve|fix|proceed|continue)\b/i,
  /\bI (?:cannot|can't|can not) (?:complete|finish|solve|fix|proceed|continue)(?: with)? (?:this|the) (?:task|issue|problem)\b/i,
  /\bI(?: am|'m) (?:stuck|out of ideas)\b/i,
  /\b(?:abandon(?:ing)?|giving up on) (?:this|the) (?:task|attempt|issue)\b/i,
  // Issue 9's misses, quoted from real runs: "As an AI language model, I'm unable to …",
  // "I'm unable to make direct API calls", "I cannot make further progress",
  // "I was unable to make the changes".
  /\bas an AI\b[^.!?\n]{0,60}\b(?:unable|cannot|can't|not able)\b/i,
  /\bI(?: am|'m) (?:unable|not able) to (?:make|perform|execute|access|directly|interact|run|browse|call|modify|edit|make changes)\b/i,
  /\b(?:cannot|can't|can not|unable to|could not|couldn't) make (?:any )?(?:further|more|additional) progress\b/i,
  /\bI (?:was|wasn't|was not) (?:unable|not able|able) to (?:make|complete|finish|solve|fix|implement|resolve) (?:the|this|these|any|your)\b/i,
  /\bI (?:could not|couldn't|did not manage to|didn't manage to) (?:complete|finish|solve|fix|implement|resolve) (?:the|this) (?:task|issue|problem|bug)\b/i,
];
/** "was not able to" matched above also as "was able to": only the negative forms give up. */
const POSITIVE_ABILITY = /\bI was able to\b/i;
const ASKS_USER = [
  /\b(?:could|can|would) you (?:please )?(?:provide|clarify|specify|tell me|share|confirm|let me know|give me)\b/i,
  /\bplease (?:provide|clarify|specify|let me know|tell me|confirm)\b/i,
  /\bI need (?:more information|you to|clarification)\b/i,
  /\bwhich (?:option|approach|one) (?:would|do) you (?:prefer|want)\b/i,
];

const PREEXISTING = /\bpre-?existing\b|\b(?:were|was) (?:already )?failing (?:before|already|prior)\b|\balready (?:failing|broken|failed)\b|\bunrelated to (?:my|our|the|this) (?:change|fix|modification)s?\b|\bnot (?:caused|introduced) by (?:my|our|the|this) (?:change|fix)s?\b/i;
const FAILURE_WORDS = /\bfail(?:s|ed|ing|ure|ures)?\b|\b(?:could not|couldn't|cannot|can't|unable to|was not able to|wasn't able to)\b|\berrors? (?:remain|persist|occurred)\b|\bdid not (?:pass|work|succeed)\b|\bdoes(?:n't| not) (?:compile|build|work|exist)\b|\bnot found\b|\bis missing\b/i;

/** "I'm stuck on this approach. Let me try …": a change of tack, not giving up. */
const NEXT_ATTEMPT = /\b(?:let me|let's|let us|I(?:'ll| will)|I(?:'m| am) going to)\s+(?:now\s+|instead\s+)?(?:try|use|look|search|check|inspect|examine|investigate|read|open|run|take|switch|attempt|explore|find|debug)\b|\binstead\b|\b(?:another|a different) (?:approach|way|strategy|method|tack)\b/i;

/** "Let me know if you'd like any further changes": an offer at the end of the work, not a request for input. */
const OFFER = /\bif you(?:'d| would)? (?:like|want|need|prefer)\b|\banything else\b|\bfurther (?:changes|questions|help|actions?|steps?|assistance)\b|\blet me know if\b|\bif (?:there (?:is|are) )?any(?:thing)? (?:further|more|else|other|additional)\b/i;

/** "… could you confirm? In the meantime I'll use the default": the agent does not wait for the answer. */
const PROCEEDS_ANYWAY = /\b(?:in the meantime|meanwhile|until (?:then|you (?:reply|answer|confirm))|without waiting)\b/i;

const BASELINE_PLAN = /\b(?:let me|let's|let us|I(?:'ll| will)|we(?:'ll| will))\b[^.!?\n]*\b(?:check|verify|confirm|see|run|test)\b[^.!?\n]*(?:\bpre-?existing\b|\bon (?:main|master)\b|\bgit stash\b|\bbefore (?:my|the|our|these) changes?\b|\boriginal code\b|\bbaseline\b)|\bgit stash\b/i;

/** "Now you can run: npm test": handing the run to the person, not the agent planning one. */
const HANDOFF = /\byou (?:can|could|may|should|might) (?:now )?(?:run|rerun|re-run|test|verify|check|confirm|try|execute)\b/i;

const VERIFY_PLAN = /\b(?:let's|let us|I(?:'ll| will)|we(?:'ll| will)|now|next)\b[^.!?\n]*\b(?:run|rerun|re-run|test|verify|check|confirm|try|execute)\b/i;

const MAX_TEXT = 8000;

export function readClaims(text: string): Claims {
  const prose = stripQuoted(text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT / 2)}\n${text.slice(-MAX_TEXT / 2)}` : text);
  const claims: Claims = {};
  const continues = NEXT_ATTEMPT.test(prose);
  const proceeds = PROCEEDS_ANYWAY.test(prose);
  for (const sentence of sentences(prose)) {
    const plain = !HEDGES.test(sentence);
    if (plain && TESTS_PASS.some((p) => p.test(sentence))) note(claims, sentence, 'testsPass', 'completion', 'success');
    else if (plain && COMPLETION.some((p) => p.test(sentence))) note(claims, sentence, 'completion', 'success');
    else if (plain && SUCCESS.some((p) => p.test(sentence))) note(claims, sentence, 'success');
    if (!continues && !POSITIVE_ABILITY.test(sentence) && GIVES_UP.some((p) => p.test(sentence))) note(claims, sentence, 'givesUp');
    if (PREEXISTING.test(sentence)) claims.blamesPreexisting = true;
    if (FAILURE_WORDS.test(sentence)) claims.mentionsFailure = true;
    if (!proceeds && ASKS_USER.some((p) => p.test(sentence)) && /\?|please/i.test(sentence) && !OFFER.test(sentence)) note(claims, sentence, 'asksUser');
    if (VERIFY_PLAN.test(sentence) && !HANDOFF.test(sentence)) claims.verifyPlanned = true;
    if (BASELINE_PLAN.test(sentence)) claims.baselinePlanned = true;
  }
  // "I've fixed it. Now let's run the tests": a step on the way, not a claim of being finished.
  if (claims.verifyPlanned) delete claims.completion;
  return claims;
}

function note(claims: Claims, sentence: string, ...kinds: Array<Exclude<keyof Claims, 'quote'>>): void {
  for (const kind of kinds) claims[kind] = true;
  claims.quote ??= sentence.length > 160 ? `${sentence.slice(0, 159)}…` : sentence;
}

/** The agent's own words: code fences (``` or ~~~), heredoc bodies, inline code spans and quoted lines removed. */
export function stripQuoted(text: string): string {
  return text
    .replace(/(`{3,}|~{3,})[\s\S]*?(?:\1|$)/g, ' ')
    .replace(/<<-?[ \t]*['"]?([A-Za-z_]\w*)['"]?[^\n]*\n[\s\S]*?\n[ \t]*\1[ \t]*(?=\n|$)/g, ' ')
    .replace(/`[^`\n]*`/g, 'CODE')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('>'))
    .join('\n');
}

function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
