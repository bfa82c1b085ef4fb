// Composite rules (gitleaks v8.28 `[[rules.required]]`): a primary rule's finding is reported
// only when, for each required rule, at least one finding of that rule lies close enough —
// within `withinLines` lines and `withinColumns` columns of the primary's match start, or
// anywhere in the same fragment when neither bound is set. Distances are between match
// starts, as gitleaks measures them (detect.go `withinProximity`): lines as the file numbers
// them, columns 1-based on each match's own line.
import type { RequiredPart } from '../types.js';

/** Where a match starts: file line and 1-based column. A path-only finding is at 0, 0. */
export interface Spot {
  line: number;
  column: number;
}

export function withinProximity(primary: Spot, part: Spot, bounds: RequiredPart): boolean {
  if (bounds.withinLines !== undefined && Math.abs(primary.line - part.line) > bounds.withinLines)
    return false;
  if (
    bounds.withinColumns !== undefined &&
    Math.abs(primary.column - part.column) > bounds.withinColumns
  )
    return false;
  return true;
}

/** Whether every required part has a finding near `primary`, given each part's spots. */
export function partsSatisfied(
  primary: Spot,
  parts: readonly RequiredPart[],
  spotsOf: (id: string) => readonly Spot[],
): boolean {
  return parts.every((part) => spotsOf(part.id).some((s) => withinProximity(primary, s, part)));
}
