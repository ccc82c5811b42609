import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { addResourceDependency, addStackDependency } from '../../lib/private/dependencies';

describe('dependencies through the name the installed aws-cdk-lib has not deprecated', () => {
  test('a resource after another: DependsOn in the template', () => {
    const stack = new Stack(new App(), 'Stack');
    const first = new CfnResource(stack, 'First', { type: 'Custom::First' });
    const second = new CfnResource(stack, 'Second', { type: 'Custom::Second' });

    addResourceDependency(second, first);

    expect(Template.fromStack(stack).toJSON().Resources.Second.DependsOn).toEqual(['First']);
  });

  test('a stack after another, with the reason', () => {
    const app = new App();
    const source = new Stack(app, 'Source');
    const replica = new Stack(app, 'Replica');

    addStackDependency(replica, source, 'Replica copies SecureStrings of Source');

    expect(replica.dependencies).toEqual([source]);
  });

  test('where aws-cdk-lib has addResourceDependency / addStackDependency, the deprecated names are never called', () => {
    const calls: string[] = [];
    const resource = {
      addResourceDependency: () => calls.push('addResourceDependency'),
      addDependency: () => calls.push('CfnResource.addDependency'),
    } as unknown as CfnResource;
    const stack = {
      addStackDependency: (_: Stack, reason: string) => calls.push(`addStackDependency: ${reason}`),
      addDependency: () => calls.push('Stack.addDependency'),
    } as unknown as Stack;

    addResourceDependency(resource, resource);
    addStackDependency(stack, stack, 'why');

    expect(calls).toEqual(['addResourceDependency', 'addStackDependency: why']);
  });
});
