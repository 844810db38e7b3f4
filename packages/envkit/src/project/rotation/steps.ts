/** The steps of a rotation, in order (docs/rotation.md). */
export type RotationStepName = 'lock' | 'pending' | 'apply' | 'test' | 'write' | 'finish' | 'restart';

/** How a step ended. `already-done`: a resumed rotation found the step's effect already in place. */
export type RotationStepStatus = 'done' | 'skipped' | 'already-done' | 'failed';

/** One step of a rotation as reported. `detail` says what happened; it never holds a value. */
export interface RotationStep {
  name: RotationStepName;
  status: RotationStepStatus;
  detail: string;
}

/** A progress event: a step starting (`running`) or ending. */
export interface RotationProgress {
  name: RotationStepName;
  status: RotationStepStatus | 'running';
  detail: string;
}

/** Records steps and reports progress; the callback can never break the rotation. */
export class StepLog {
  readonly steps: RotationStep[] = [];
  constructor(private readonly onStep: ((progress: RotationProgress) => void) | undefined) {}

  start(name: RotationStepName, detail: string): void {
    this.emit({ name, status: 'running', detail });
  }

  end(name: RotationStepName, status: RotationStepStatus, detail: string): void {
    this.steps.push({ name, status, detail });
    this.emit({ name, status, detail });
  }

  private emit(progress: RotationProgress): void {
    try {
      this.onStep?.(progress);
    } catch {
      // Display only: a failing renderer must not interrupt a rotation half-way.
    }
  }
}
