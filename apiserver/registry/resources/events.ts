/**
 * core/v1 events: timestamp and count defaults, the involvedObject field
 * selectors `kubectl describe` uses, and the `kubectl get events` table.
 */
import type { Event } from 'kubernetes-types/core/v1';
import type { FieldCause } from '../../api/errors.ts';
import type { ResourceDef } from '../types.ts';
import { invalidValue, required } from '../../api/validation.ts';
import { column, standardVerbs, validateMeta } from './common.ts';
import { ageSince } from './duration.ts';
import { rfc3339 } from '../../api/time.ts';

function nowRfc3339(): string {
  return rfc3339(Date.now());
}

/** Defaults an Event in place: count 1, firstTimestamp/lastTimestamp from each other or now, type Normal. */
export function defaultEvent(ev: Event): void {
  const ts = ev.lastTimestamp ?? ev.firstTimestamp ?? (ev.eventTime ? undefined : nowRfc3339());
  if (ts !== undefined) {
    ev.firstTimestamp ??= ts;
    ev.lastTimestamp ??= ts;
  }
  if (!ev.count) ev.count = 1;
  ev.type ??= 'Normal';
  ev.source ??= {};
}

/** Validation of an Event: metadata, involvedObject present. */
export function validateEvent(ev: Event): FieldCause[] {
  const out = validateMeta(ev.metadata);
  if (!ev.involvedObject) out.push(required('involvedObject'));
  const ns = ev.involvedObject?.namespace;
  if (ns && ev.metadata?.namespace && ns !== ev.metadata.namespace) out.push(invalidValue('involvedObject.namespace', ns, 'does not match event.namespace'));
  return out;
}

/** LAST SEEN cell: age of lastTimestamp (or eventTime, or creation) with " (xN over AGE)" for repeats. */
export function lastSeenCell(ev: Event, now: number): string {
  const last = ev.lastTimestamp ?? ev.series?.lastObservedTime ?? ev.eventTime ?? ev.metadata?.creationTimestamp;
  const seen = ageSince(last, now);
  const count = ev.series?.count ?? ev.count ?? 1;
  if (count > 1) {
    const first = ev.firstTimestamp ?? ev.eventTime ?? ev.metadata?.creationTimestamp;
    return `${seen} (x${count} over ${ageSince(first, now)})`;
  }
  return seen;
}

/** The events resource definition. */
export function eventsResource(): ResourceDef<Event> {
  return {
    group: '', version: 'v1', resource: 'events', kind: 'Event', listKind: 'EventList', singular: 'event',
    namespaced: true, shortNames: ['ev'], categories: [], verbs: standardVerbs, subresources: [],
    strategy: {
      prepareForCreate: defaultEvent,
      prepareForUpdate: (ev) => defaultEvent(ev),
      validate: validateEvent,
      validateUpdate: (ev) => validateEvent(ev),
      selectableFields(ev) {
        const io = ev.involvedObject ?? {};
        return {
          'involvedObject.kind': io.kind ?? '',
          'involvedObject.namespace': io.namespace ?? '',
          'involvedObject.name': io.name ?? '',
          'involvedObject.uid': io.uid ?? '',
          'involvedObject.apiVersion': io.apiVersion ?? '',
          'involvedObject.resourceVersion': io.resourceVersion ?? '',
          'involvedObject.fieldPath': io.fieldPath ?? '',
          reason: ev.reason ?? '',
          reportingComponent: ev.reportingComponent ?? '',
          source: ev.source?.component ?? '',
          type: ev.type ?? '',
        };
      },
    },
    table: {
      omitNameColumn: true,
      columns: [
        column('Last Seen', 'Time when this Event was last seen'),
        column('Type', 'Type of this event (Normal, Warning), new types could be added in the future.'),
        column('Reason', 'This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.'),
        column('Object', 'The object that this event is about.'),
        column('Subobject', 'The subobject that this event is about.', { priority: 1 }),
        column('Source', 'The component reporting this event.', { priority: 1 }),
        column('Message', 'A human-readable description of the status of this operation.'),
        column('First Seen', 'The time at which the event was first recorded.', { priority: 1 }),
        column('Count', 'The number of times this event has occurred.', { type: 'integer', priority: 1 }),
        column('Name', 'The name of the event.', { priority: 1 }),
      ],
      cells: (ev, now) => {
        const src = ev.source?.component ? (ev.source.host ? `${ev.source.component}, ${ev.source.host}` : ev.source.component) : (ev.reportingComponent ?? '');
        return [
          lastSeenCell(ev, now),
          ev.type ?? '',
          ev.reason ?? '',
          `${(ev.involvedObject?.kind ?? '').toLowerCase()}/${ev.involvedObject?.name ?? ''}`,
          ev.involvedObject?.fieldPath ?? '',
          src,
          (ev.message ?? '').trim(),
          ageSince(ev.firstTimestamp ?? ev.eventTime, now),
          ev.series?.count ?? ev.count ?? 1,
          ev.metadata?.name ?? '',
        ];
      },
    },
  };
}
