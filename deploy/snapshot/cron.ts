/**
 * A small cron matcher for `--etcd-snapshot-schedule-cron`, with the syntax
 * k3s accepts (robfig/cron v3's standard parser): five fields
 * `minute hour day-of-month month day-of-week` with `*`, `?`, `a`, `a-b`,
 * `/step` and comma lists, month and weekday names (`jan`, `mon`), weekday 7
 * as Sunday, and the descriptors `@yearly`/`@annually`, `@monthly`,
 * `@weekly`, `@daily`/`@midnight`, `@hourly` and `@every <duration>`.
 * Day-of-month and day-of-week: when both are restricted (neither starts
 * with `*` or `?`) a day matches if either does, as in Vixie cron and robfig.
 * Times are the system's local time by default (as k3s), or UTC.
 */

/** A parsed five-field schedule: `true` at index v means value v matches. */
export interface CronFields {
  kind: 'fields';
  minute: boolean[];
  hour: boolean[];
  dayOfMonth: boolean[];
  month: boolean[];
  /** Indexed 0 (Sunday) to 6. */
  dayOfWeek: boolean[];
  /** The day-of-month field started with `*` or `?`. */
  domStar: boolean;
  /** The day-of-week field started with `*` or `?`. */
  dowStar: boolean;
}

/** `@every <duration>`: fire every `everyMs` (ms, at least 1 s) after the previous run. */
export interface CronEvery {
  kind: 'every';
  everyMs: number;
}

/** A parsed schedule. */
export type CronSchedule = CronFields | CronEvery;

/** Options of cron evaluation. */
export interface CronTimeOptions {
  /** Read and build times in UTC instead of local time. */
  utc?: boolean;
}

interface FieldSpec { name: string; min: number; max: number; names?: string[] }

const FIELDS: FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/**
 * Parses a cron spec. Returns the schedule, or `{ error }` naming the field
 * and the problem (e.g. `minute: 61 is out of range 0-59`). Pure.
 */
export function parseCron(spec: string): CronSchedule | { error: string } {
  const text = spec.trim().replace(/\s+/g, ' ');
  if (text.startsWith('@every ')) {
    const ms = parseGoDuration(text.slice('@every '.length));
    if (ms === undefined) return { error: `@every needs a duration like 1h30m, 5m or 90s; got "${text.slice(7)}"` };
    if (ms < 1000) return { error: '@every needs at least 1s' };
    return { kind: 'every', everyMs: ms };
  }
  const expanded = text.startsWith('@') ? DESCRIPTORS[text.toLowerCase()] : text;
  if (expanded === undefined) return { error: `unknown descriptor ${text} (known: ${Object.keys(DESCRIPTORS).join(', ')}, @every <duration>)` };
  const parts = expanded.split(' ');
  if (parts.length !== 5) return { error: `expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}` };
  const sets: boolean[][] = [];
  for (let i = 0; i < 5; i++) {
    const set = parseField(parts[i], FIELDS[i]);
    if (typeof set === 'string') return { error: `${FIELDS[i].name}: ${set}` };
    sets.push(set);
  }
  const dow = sets[4].slice(0, 7);
  if (sets[4][7]) dow[0] = true;
  const star = (p: string): boolean => p.startsWith('*') || p.startsWith('?');
  return {
    kind: 'fields', minute: sets[0], hour: sets[1], dayOfMonth: sets[2], month: sets[3], dayOfWeek: dow,
    domStar: star(parts[2]), dowStar: star(parts[4]),
  };
}

/** One field's comma list → match table, or an error message. */
function parseField(field: string, f: FieldSpec): boolean[] | string {
  const set = new Array<boolean>(f.max + 1).fill(false);
  for (const item of field.split(',')) {
    const [range, stepText, extra] = item.split('/');
    if (extra !== undefined) return `"${item}" has more than one /`;
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) return `step "${stepText}" must be a positive number`;
      step = Number(stepText);
    }
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') {
      lo = f.min;
      hi = f.name === 'day of week' ? 6 : f.max;
    } else {
      const [a, b, more] = range.split('-');
      if (more !== undefined) return `"${range}" is not a range a-b`;
      const av = value(a, f);
      if (typeof av === 'string') return av;
      lo = av;
      if (b !== undefined) {
        const bv = value(b, f);
        if (typeof bv === 'string') return bv;
        hi = bv;
      } else {
        hi = stepText !== undefined ? f.max : av;
      }
      if (lo > hi) return `range ${range} starts after it ends`;
    }
    for (let v = lo; v <= hi; v += step) set[v] = true;
  }
  return set;
}

/** One number or name of field `f`, or an error message. */
function value(text: string, f: FieldSpec): number | string {
  const named = f.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return f.name === 'month' ? named + 1 : named;
  if (!/^\d+$/.test(text)) return `"${text}" is not a number${f.names ? ' or a name' : ''}`;
  const n = Number(text);
  if (n < f.min || n > f.max) return `${n} is out of range ${f.min}-${f.max}`;
  return n;
}

/** Go's time.ParseDuration for h, m, s and ms units (e.g. `1h30m`, `90s`), in ms; undefined if malformed. Pure. */
export function parseGoDuration(text: string): number | undefined {
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  if (!/^(\d+(\.\d+)?(h|ms|m|s))+$/.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s)/g)) total += Number(m[1]) * unit[m[2]];
  return Math.round(total);
}

/** A time's calendar fields in local time or UTC. */
interface Parts { year: number; month: number; day: number; hour: number; minute: number; weekday: number }

function partsOf(d: Date, utc: boolean): Parts {
  return utc
    ? { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), weekday: d.getUTCDay() }
    : { year: d.getFullYear(), month: d.getMonth() + 1, day: d.getDate(), hour: d.getHours(), minute: d.getMinutes(), weekday: d.getDay() };
}

/** The Date of these calendar fields (month 1-12; overflowing fields roll over). */
function dateOf(year: number, month: number, day: number, hour: number, minute: number, utc: boolean): Date {
  return utc ? new Date(Date.UTC(year, month - 1, day, hour, minute)) : new Date(year, month - 1, day, hour, minute);
}

/** True when the day of `p` matches both day fields, with cron's either-or rule when both are restricted. */
function dayMatches(s: CronFields, p: Parts): boolean {
  const dom = s.dayOfMonth[p.day];
  const dow = s.dayOfWeek[p.weekday];
  return s.domStar || s.dowStar ? dom && dow : dom || dow;
}

/** True when the minute containing `at` matches the five fields. Pure. */
export function cronMatches(s: CronFields, at: Date, o: CronTimeOptions = {}): boolean {
  const p = partsOf(at, o.utc === true);
  return s.minute[p.minute] && s.hour[p.hour] && s.month[p.month] && dayMatches(s, p);
}

/** How far ahead nextCronTime searches (years) before it gives up (e.g. `0 0 30 2 *`). */
const SEARCH_YEARS = 5;

/**
 * The first time strictly after `after` at which `s` fires: for fields, the
 * start of the next matching minute; for `@every`, `after` (truncated to
 * the second) plus the interval. Undefined when nothing matches within 5
 * years (e.g. February 30th). Pure.
 */
export function nextCronTime(s: CronSchedule, after: Date, o: CronTimeOptions = {}): Date | undefined {
  if (s.kind === 'every') return new Date(Math.floor(after.getTime() / 1000) * 1000 + s.everyMs);
  const utc = o.utc === true;
  let t = new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000);
  const limit = partsOf(t, utc).year + SEARCH_YEARS;
  // Each step moves t strictly forward (a DST fold could send a rebuilt time back; then step one minute).
  const advance = (next: Date): void => { t = next.getTime() > t.getTime() ? next : new Date(t.getTime() + 60_000); };
  for (;;) {
    const p = partsOf(t, utc);
    if (p.year > limit) return undefined;
    if (!s.month[p.month]) advance(dateOf(p.year, p.month + 1, 1, 0, 0, utc));
    else if (!dayMatches(s, p)) advance(dateOf(p.year, p.month, p.day + 1, 0, 0, utc));
    else if (!s.hour[p.hour]) advance(dateOf(p.year, p.month, p.day, p.hour + 1, 0, utc));
    else if (!s.minute[p.minute]) advance(new Date(t.getTime() + 60_000));
    else return t;
  }
}
