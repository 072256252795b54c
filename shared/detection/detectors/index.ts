import type { Detector } from '../types.ts';
import { detectActionLoop } from './actionLoop.ts';
import { detectRepeatedFailingCall } from './repeatedFailingCall.ts';

/** Every deterministic detector, run after each step. Order does not matter: specificity decides. */
export const DETERMINISTIC_DETECTORS: readonly Detector[] = [detectRepeatedFailingCall, detectActionLoop];
