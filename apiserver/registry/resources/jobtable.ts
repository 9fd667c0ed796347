/**
 * The kubectl table of batch/v1 Jobs, as Kubernetes' printers print it
 * (pkg/printers/internalversion/printers.go jobColumnDefinitions, printJob,
 * 1.31+): Status, Completions, Duration, Age; Containers, Images, Selector
 * with -o wide.
 */
import type { Job, JobCondition } from 'kubernetes-types/batch/v1';
import type { TableConvertor } from '../types.ts';
import { formatLabelSelector } from '../../api/label-selector.ts';
import { ageCell, column } from './common.ts';
import { humanDuration } from './duration.ts';

function hasCondition(conds: JobCondition[] | undefined, type: string): boolean {
  return (conds ?? []).some((c) => c.type === type && c.status === 'True');
}

/** The STATUS cell: Complete, Failed, Terminating, Suspended, FailureTarget, SuccessCriteriaMet or Running (printJob's order). */
export function jobStatusCell(job: Job): string {
  const conds = job.status?.conditions;
  if (hasCondition(conds, 'Complete')) return 'Complete';
  if (hasCondition(conds, 'Failed')) return 'Failed';
  if (job.metadata?.deletionTimestamp) return 'Terminating';
  if (hasCondition(conds, 'Suspended')) return 'Suspended';
  if (hasCondition(conds, 'FailureTarget')) return 'FailureTarget';
  if (hasCondition(conds, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

/** The COMPLETIONS cell: `succeeded/completions`, or `n/1` (`n/1 of p` with parallelism p > 1) when completions is unset. */
export function jobCompletionsCell(job: Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  const completions = job.spec?.completions;
  if (completions !== undefined && completions !== null) return `${succeeded}/${completions}`;
  const parallelism = job.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

/** The DURATION cell at `now` (ms): '' before startTime, startTime→now while running, startTime→completionTime once complete. */
export function jobDurationCell(job: Job, now: number): string {
  const start = job.status?.startTime ? Date.parse(job.status.startTime) : NaN;
  if (Number.isNaN(start)) return '';
  const end = job.status?.completionTime ? Date.parse(job.status.completionTime) : now;
  return humanDuration((Number.isNaN(end) ? now : end) - start);
}

/** The Job table convertor. */
export const jobTable: TableConvertor<Job> = {
  columns: [
    column('Status', 'Status of the job.'),
    column('Completions', 'The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.'),
    column('Duration', 'Time required to complete the job.'),
    column('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
    column('Containers', 'Names of each container in the template.', { priority: 1 }),
    column('Images', 'Images referenced by each container in the template.', { priority: 1 }),
    column('Selector', 'A label query over pods that should match the pod count.', { priority: 1 }),
  ],
  cells: (job, now) => {
    const cs = job.spec?.template?.spec?.containers ?? [];
    return [
      jobStatusCell(job),
      jobCompletionsCell(job),
      jobDurationCell(job, now),
      ageCell(job, now),
      cs.map((c) => c.name).join(','),
      cs.map((c) => c.image ?? '').join(','),
      formatLabelSelector(job.spec?.selector),
    ];
  },
};
