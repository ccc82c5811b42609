import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as fc from 'fast-check';
import {
  HierarchyDeployment,
  ParameterHierarchy,
  ParameterKey,
  ParameterPolicy,
  ParameterReplica,
  ParameterRotation,
  ReplicaSource,
  SecureStringParameter,
  SecureValue,
} from '../../lib';
import { AWS_LIMITS } from '../../lib/private/aws-limits';
import { renderLongest } from '../../lib/private/rendered-size';

/*
 * Property tests over realistic random apps: names as teams write them, up to the longest a level allows, many
 * top-level paths. Every customer-managed policy the library writes stays within IAM's 6,144 characters by
 * construction (owner-tag-scoped patterns), or the app is refused at synth with the limit's message; never a
 * template that CloudFormation or IAM would refuse at deploy time.
 */

const ENV = { account: '111111111111', region: 'eu-west-1' };
// each run synthesizes an app of up to hundreds of constructs: a few runs, at the full size
jest.setTimeout(240_000);
const LEVEL = fc.stringMatching(/^[a-z][a-z0-9-]{2,29}$/);
/** A name of 2 to 6 levels under one of `topLevels` top-level paths; now and then a very long leaf (up to 400 characters). */
function names(count: { min: number; max: number }, topLevels: number): fc.Arbitrary<string[]> {
  const leaf = fc.oneof({ weight: 9, arbitrary: LEVEL }, { weight: 1, arbitrary: fc.stringMatching(/^[a-z][a-z0-9_.-]{100,399}$/) });
  const name = fc.tuple(fc.integer({ min: 0, max: topLevels - 1 }), fc.array(LEVEL, { minLength: 0, maxLength: 4 }), leaf)
    .map(([top, middle, last]) => `/team-${top}/${[...middle, last].join('/')}`);
  return fc.uniqueArray(name, { minLength: count.min, maxLength: count.max, size: 'max' });
}

/** What the stacks' environments fix (eu-west-1 and us-east-1 of the aws partition); any other reference at its longest. */
const KNOWN = { 'AWS::Partition': 'aws'.length, 'AWS::Region': 'eu-west-1'.length, 'AWS::AccountId': 12, 'AWS::URLSuffix': 'amazonaws.com'.length };

function managedPolicySizes(stack: Stack): number[] {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy');
  return Object.values(policies).map((r) => JSON.stringify(renderLongest(r.Properties.PolicyDocument, KNOWN)).length);
}

/** Synthesizes; a refusal is accepted only when it is a size limit's message. */
function sizesOrLimitRefusal(stack: Stack): number[] {
  try {
    return managedPolicySizes(stack);
  } catch (error) {
    expect((error as Error).message).toMatch(/over AWS's limit of/);
    return [];
  }
}

test('rotating parameters (1–200, 1–500 top-level paths, own keys or the stack\'s): the rotator and the handler within 6,144 characters', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 500 }).chain((top) => names({ min: 1, max: 200 }, top)), fc.boolean(), (parameterNames, ownKeys) => {
      const stack = new Stack(new App(), 'Stack', { env: ENV });
      parameterNames.forEach((parameterName, i) => {
        const encryptionKey = ownKeys ? new ParameterKey(stack, `Key${i}`) : undefined;
        new SecureStringParameter(stack, `P${i}`, { parameterName, value: SecureValue.generated(), encryptionKey, rotation: ParameterRotation.every(Duration.days(30)) });
      });
      for (const size of managedPolicySizes(stack)) {
        expect(size).toBeLessThanOrEqual(AWS_LIMITS.managedPolicyCharacters);
      }
    }),
    { numRuns: 6 },
  );
});

test('SecureValue.fromSecret (1–400 secrets): every policy within 6,144 characters and at most 9 on the role, or refused at synth', () => {
  fc.assert(
    fc.property(names({ min: 1, max: 400 }, 200), (parameterNames) => {
      const stack = new Stack(new App(), 'Stack', { env: ENV });
      try {
        parameterNames.forEach((parameterName, i) => {
          const secret = secretsmanager.Secret.fromSecretNameV2(stack, `Secret${i}`, parameterName.slice(1, 200));
          new SecureStringParameter(stack, `P${i}`, { parameterName, value: SecureValue.fromSecret(secret) });
        });
      } catch (error) {
        // names of 200 characters fill the 8 policies of copied secrets from about 200 secrets
        expect((error as Error).message).toMatch(/SecureValue\.fromSecret does not fit: .* fill 8 managed policies of 6,144 characters/);
        return;
      }
      const sizes = managedPolicySizes(stack);
      expect(sizes.length).toBeLessThanOrEqual(9);
      for (const size of sizes) {
        expect(size).toBeLessThanOrEqual(AWS_LIMITS.managedPolicyCharacters);
      }
    }),
    { numRuns: 4 },
  );
});

// single parameters are one resource each: CloudFormation's 500 resources per stack bound a source before 1,000 (next test)
test('ParameterReplica of 1–300 single parameters: the copier, both handlers and the forwarder within 6,144 characters', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 500 }).chain((top) => names({ min: 1, max: 300 }, top)), (parameterNames) => {
      const app = new App();
      const source = new Stack(app, 'Source', { env: ENV, crossRegionReferences: true });
      const target = new Stack(app, 'Target', { env: { ...ENV, region: 'us-east-1' }, crossRegionReferences: true });
      const encryptionKey = new ParameterKey(source, 'Key', { multiRegion: true });
      const parameters = parameterNames.map((parameterName, i) =>
        new SecureStringParameter(source, `P${i}`, { parameterName, value: SecureValue.generated(), encryptionKey }));
      new ParameterReplica(target, 'Replica', { source: ReplicaSource.parameters(parameters) });
      for (const size of [...sizesOrLimitRefusal(source), ...sizesOrLimitRefusal(target)]) {
        expect(size).toBeLessThanOrEqual(AWS_LIMITS.managedPolicyCharacters);
      }
    }),
    { numRuns: 3 },
  );
});

test('ParameterReplica of a batched hierarchy of 1–1,000 members: every policy of both stacks within 6,144 characters, readPolicy included', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.tuple(LEVEL, LEVEL).map((levels) => levels.join('/')), { minLength: 1, maxLength: 1_000, size: 'max' }), (memberNames) => {
      const app = new App();
      const source = new Stack(app, 'Source', { env: ENV, crossRegionReferences: true });
      const target = new Stack(app, 'Target', { env: { ...ENV, region: 'us-east-1' }, crossRegionReferences: true });
      const hierarchy = new ParameterHierarchy(source, 'Payments', { path: '/payments-platform/production', deployment: HierarchyDeployment.batched() });
      memberNames.forEach((name, i) => hierarchy.addSecureString(`M${i}`, { name, value: SecureValue.generated() }));
      new ParameterReplica(target, 'Replica', { source: ReplicaSource.hierarchy(hierarchy) }).readPolicy('Readers');
      const sizes = [...managedPolicySizes(source), ...managedPolicySizes(target)];
      expect(sizes.length).toBeGreaterThanOrEqual(3);
      for (const size of sizes) {
        expect(size).toBeLessThanOrEqual(AWS_LIMITS.managedPolicyCharacters);
      }
    }),
    { numRuns: 3 },
  );
});

/** Every template of the app within CloudFormation's 1,000,000 bytes, or a refusal at synth with that limit's message. */
function templateBytesOrLimitRefusal(stack: Stack): number | undefined {
  try {
    // as aws-cdk-lib writes the template file: one space of indentation
    return Buffer.byteLength(JSON.stringify(Template.fromStack(stack).toJSON(), undefined, 1));
  } catch (error) {
    expect((error as Error).message).toMatch(/over AWS's limit of 1,000,000/);
    return undefined;
  }
}

test('a batched hierarchy of 1–8,000 members with descriptions and policies, rotating or not: the template within 1 MB or refused; the policies within 6,144', () => {
  const member = fc.record({
    name: fc.tuple(LEVEL, LEVEL, LEVEL).map((levels) => levels.join('/')),
    description: fc.option(fc.stringMatching(/^[A-Za-z0-9 ,.-]{20,120}$/), { nil: undefined }),
  });
  fc.assert(
    fc.property(
      fc.uniqueArray(member, { minLength: 1, maxLength: 8_000, size: 'max', selector: (m) => m.name }),
      fc.boolean(),
      (members, rotates) => {
        const stack = new Stack(new App(), 'Stack', { env: ENV });
        const hierarchy = new ParameterHierarchy(stack, 'Payments', {
          path: '/payments-platform/production',
          deployment: HierarchyDeployment.batched(),
          policies: [ParameterPolicy.expireAfter(Duration.days(90)), ParameterPolicy.expirationNotification(Duration.days(14))],
          rotation: rotates ? ParameterRotation.beforeExpiration() : undefined,
        });
        members.forEach((m, i) => hierarchy.addSecureString(`M${i}`, { name: m.name, description: m.description, value: SecureValue.generated() }));
        const bytes = templateBytesOrLimitRefusal(stack);
        if (bytes !== undefined) {
          expect(bytes).toBeLessThanOrEqual(AWS_LIMITS.templateBytes);
          for (const size of managedPolicySizes(stack)) {
            expect(size).toBeLessThanOrEqual(AWS_LIMITS.managedPolicyCharacters);
          }
        }
      },
    ),
    { numRuns: 3 },
  );
});
