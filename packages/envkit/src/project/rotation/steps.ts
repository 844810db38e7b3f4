/** The steps of a rotation, in order (docs/rotation.md). */
export type RotationStepName = 'lock' | 'pending' | 'apply' | 'test' | 'write' | 'finish' | 'restart';

/** How a step ended. `already-done`: a resumed rotation found the step's effect already in place. */
export type RotationStepStatus = 'done' | 'skipped' | 'already-done' | 'failed';

/**
 * Why a step was skipped, for a caller to say with its own words (its `detail` says what happened, not
 * why): `apply-none` (the apply mode is none: the database is left alone), `not-proven` (no login test was
 * possible: give the database host and port for one).
 */
export type RotationStepReason = 'apply-none' | 'not-proven';

/** One step of a rotation as reported. `detail` says what happened; it never holds a value. */
export interface RotationStep {
  name: RotationStepName;
  status: RotationStepStatus;
  detail: string;
  reason?: RotationStepReason;
}

/** A progress event: a step starting (`running`) or ending. */
export interface RotationProgress {
  name: RotationStepName;
  status: RotationStepStatus | 'running';
  detail: string;
  reason?: RotationStepReason;
}

/** Records steps and reports progress; the callback can never break the rotation. */
export class StepLog {
  readonly steps: RotationStep[] = [];
  constructor(private readonly onStep: ((progress: RotationProgress) => void) | undefined) {}

  start(name: RotationStepName, detail: string): void {
    this.emit({ name, status: 'running', detail });
  }

  end(name: RotationStepName, status: RotationStepStatus, detail: string, reason?: RotationStepReason): void {
    const step: RotationStep = { name, status, detail, ...(reason === undefined ? {} : { reason }) };
    this.steps.push(step);
    this.emit({ ...step });
  }

  private emit(progress: RotationProgress): void {
    try {
      this.onStep?.(progress);
    } catch {
      // Display only: a failing renderer must not interrupt a rotation half-way.
    }
  }
}
