import * as fc from 'fast-check';
import { createEvent } from './events';
import { MAX_RESPONSE_BYTES, buildResponse } from '../../lib/handler/cfn-response';

/** A name as long as Parameter Store allows: its ARN-based form is at most 1,011 characters. */
const NAME = fc.stringMatching(/^\/[a-zA-Z0-9_.-]{1,60}(\/[a-zA-Z0-9_.-]{1,60}){0,14}$/).map((n) => n.slice(0, 960));
/** What an error message may hold: quotes and backslashes (two bytes in JSON), control characters, any script, emoji. */
const REASON = fc.string({ unit: 'binary', maxLength: 6_000 });

function event(stackName: string, logicalId: string) {
  const stackId = `arn:aws-us-gov:cloudformation:us-gov-west-1:123456789012:stack/${stackName}/2f3e4d5c-6b7a-8988-7766-554433221100`;
  return { ...createEvent(), StackId: stackId, LogicalResourceId: logicalId };
}

describe('the custom-resource response stays within CloudFormation\'s 4,096 bytes, by construction', () => {
  test('for names, stack names, logical ids and reasons up to their longest', () => {
    fc.assert(
      fc.property(
        NAME,
        fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,127}$/),
        fc.stringMatching(/^[A-Za-z0-9]{1,255}$/),
        REASON,
        fc.boolean(),
        (name, stackName, logicalId, reason, failed) => {
          const arn = `arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter${name}`;
          const response = buildResponse(event(stackName, logicalId), failed
            ? { status: 'FAILED', physicalId: name, reason }
            : { status: 'SUCCESS', physicalId: name, reason, data: { Arn: arn, Version: '100' } });

          expect(Buffer.byteLength(JSON.stringify(response))).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
          // the reason is cut, never changed: the start of what the handler said
          expect(reason.startsWith(response.Reason ?? '')).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('a short response keeps 1,500 characters of the reason; a long name leaves it less, never a split character', () => {
    const short = buildResponse(createEvent(), { status: 'FAILED', physicalId: '/app/db', reason: 'x'.repeat(5_000) });
    expect(short.Reason).toHaveLength(1_500);

    const longName = `/${'n'.repeat(1_000)}`;
    const long = buildResponse(event('s'.repeat(128), 'L'.repeat(255)), {
      status: 'SUCCESS',
      physicalId: longName,
      reason: '€'.repeat(2_000),
      data: { Arn: `arn:aws:ssm:us-east-1:123456789012:parameter${longName}`, Version: '7' },
    });
    expect(Buffer.byteLength(JSON.stringify(long))).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
    expect(long.Reason!.length).toBeLessThan(1_500);
    expect(long.Reason).toMatch(/^€+$/);
  });

  test('no reason: none in the response', () => {
    expect(buildResponse(createEvent(), { status: 'SUCCESS', physicalId: '/app/db' })).not.toHaveProperty('Reason');
  });
});
