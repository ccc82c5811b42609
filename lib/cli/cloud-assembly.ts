import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { CliError } from './cli-error';

/** A resource of a synthesized template, as the command reads it. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
  readonly Metadata?: Record<string, any>;
}

/** A CloudFormation template: only what the command reads. */
export interface Template {
  readonly Resources?: Record<string, TemplateResource>;
  readonly Outputs?: Record<string, { readonly Value?: unknown; readonly Export?: { readonly Name?: unknown } }>;
}

/** One stack of the cloud assembly, with its environment as the assembly records it. */
export interface AssemblyStack {
  /** The artifact id (`cdk synth` and `cdk deploy` accept it). */
  readonly id: string;
  /** The CloudFormation stack name. */
  readonly stackName: string;
  /** The stack's path in the app, e.g. `Stage/Stack`. */
  readonly displayName: string;
  /** Undefined for an environment-agnostic stack. */
  readonly account?: string;
  /** Undefined for an environment-agnostic stack. */
  readonly region?: string;
  readonly template: Template;
}

interface ManifestArtifact {
  readonly type: string;
  readonly environment?: string;
  readonly displayName?: string;
  readonly properties?: { readonly templateFile?: string; readonly stackName?: string; readonly directoryName?: string };
}

/** The stacks of a cloud assembly directory (`cdk.out`), including those of nested assemblies (stages). */
export function readAssembly(directory: string): AssemblyStack[] {
  const manifestFile = join(directory, 'manifest.json');
  if (!existsSync(manifestFile)) {
    throw new CliError(`${directory} is not a cloud assembly (no manifest.json): run \`npx cdk synth\` first, or pass --app <the cdk.out directory>`);
  }
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { artifacts?: Record<string, ManifestArtifact> };
  return Object.entries(manifest.artifacts ?? {}).flatMap(([id, artifact]) => {
    if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
      return readAssembly(join(directory, artifact.properties.directoryName));
    }
    if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile) {
      return [];
    }
    const { account, region } = parseEnvironment(artifact.environment);
    return [
      {
        id,
        stackName: artifact.properties.stackName ?? id,
        displayName: artifact.displayName ?? id,
        account,
        region,
        template: JSON.parse(readFileSync(join(directory, artifact.properties.templateFile), 'utf8')) as Template,
      },
    ];
  });
}

/** `aws://123456789012/eu-west-1`; `unknown-account` and `unknown-region` stand for an environment-agnostic stack. */
function parseEnvironment(environment: string | undefined): { account?: string; region?: string } {
  const match = /^aws:\/\/([^/]+)\/([^/]+)$/.exec(environment ?? '');
  return {
    account: match && match[1] !== 'unknown-account' ? match[1] : undefined,
    region: match && match[2] !== 'unknown-region' ? match[2] : undefined,
  };
}
