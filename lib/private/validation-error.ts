import { IConstruct } from 'constructs';

/**
 * A synth-time error that names the construct path, the bad value and the rule broken,
 * so the user can find and fix the input without reading our source.
 */
export class ParameterValidationError extends Error {
  constructor(scope: IConstruct, message: string) {
    super(`${scope.node.path}: ${message}`);
    this.name = 'ParameterValidationError';
  }
}
