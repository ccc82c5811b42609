import { Duration, Token } from 'aws-cdk-lib';

/**
 * A Duration in whole days when it is one, else in whole hours; anything finer is refused, because
 * Parameter Store's policy units are Days and Hours.
 */
export function wholeUnits(duration: Duration): { amount: number; unit: 'Days' | 'Hours' } {
  if (Token.isUnresolved(duration.toSeconds())) {
    throw new Error('a policy duration must be concrete, not a token');
  }
  if (duration.toSeconds() === 0) {
    throw new Error('a policy duration of 0 is none; Parameter Store policies count at least one hour');
  }
  const days = duration.toDays({ integral: false });
  if (Number.isInteger(days) && days >= 1) {
    return { amount: days, unit: 'Days' };
  }
  const hours = duration.toHours({ integral: false });
  if (Number.isInteger(hours) && hours >= 1) {
    return { amount: hours, unit: 'Hours' };
  }
  throw new Error(`${duration.toHumanString()} is not a whole number of days or hours; Parameter Store policies count in Days or Hours`);
}
