import { CfnResource, Validations } from 'aws-cdk-lib';
import { rules } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag (v3) acknowledgements, each with its reason, next to the resource they are about.
 *
 * cdk-nag 3 runs as a CDK policy-validation plugin and reads acknowledgements recorded with
 * `Validations.of(construct).acknowledge({ id, reason })` on the resource or an ancestor.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** A finding pattern: an exact finding such as `Action::s3:List*`, or a regular expression. */
export type FindingPattern = string | RegExp;

/**
 * Acknowledge the `AwsSolutions-IAM5` (wildcard permission) findings of the IAM resources under
 * `scope` that match one of `patterns`; findings matching no pattern are still reported.
 *
 * A finding names the policy's resources as synthesized (`Resource::<DataBucketE3C4.Arn>/*`,
 * or an export name for a cross-stack reference), which is final only once the app has been
 * prepared. So the matching runs as a construct validation: CDK runs those after preparing
 * the app and before the validation plugins, where cdk-nag reads the acknowledgements.
 */
export function acknowledgeWildcards(scope: IConstruct, reason: string, patterns: FindingPattern[]): void {
  scope.node.addValidation({
    validate: () => {
      for (const node of scope.node.findAll()) {
        if (!CfnResource.isCfnResource(node)) continue;
        const findings = rules.iam.IAMNoWildcardPermissions(node);
        if (!Array.isArray(findings)) continue;
        for (const finding of findings) {
          const id = `AwsSolutions-IAM5[${finding}]`;
          if (isAcknowledged(node, id, reason)) continue;
          if (patterns.some((p) => (typeof p === 'string' ? p === finding : p.test(finding)))) {
            acknowledge(node, id, reason);
          }
        }
      }
      return [];
    },
  });
}

/**
 * Whether `id` is already acknowledged on the node itself for this reason (validations run on
 * every synthesis; a finding covered by two grants keeps both reasons).
 */
function isAcknowledged(node: IConstruct, id: string, reason: string): boolean {
  return node.node.metadata.some(
    (entry) =>
      entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY &&
      Object.entries((entry.data ?? {}) as Record<string, unknown>).some(
        ([key, value]) => key.replace(/^annotation::/i, '') === id && value === reason,
      ),
  );
}

/**
 * A pattern for a resource finding that names the given construct: its logical id (or the
 * export name carrying it) starts with the construct's id. `before`/`after` are regular
 * expression source for what surrounds the reference, e.g. `'\\/\\*'` for "objects of".
 */
export function resourceOf(construct: IConstruct, before: string, after: string): RegExp {
  return new RegExp(`^Resource::${before}.*${escapeRegex(construct.node.id)}.*${after}$`);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
