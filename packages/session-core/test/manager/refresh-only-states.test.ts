// refreshOnly() skips planning the commit when its pre-check says no cookie could be due (see
// #refreshPlanned). Over every state below it must still answer as it did before that
// shortcut: not new, stored, not destroyed, not sent by an earlier commit, no lifetime changed
// here, and plannedCookies() not empty. Where the answer is asked of a refresh, the commit that
// follows must send a cookie exactly when it said true.
import { describe, expect, it } from 'vitest';
import { idStored, markCookieless, plannedCookies, refreshOnly } from '../../src/adapter.js';
import {
  commitWithoutCookie,
  createSessionManager,
  MemoryStore,
  type Session,
  type SessionManager,
} from '../../src/index.js';
import { META_KEY } from '../../src/manager/record.js';
import { cookiePair, fakeClock, OLD_SECRET, recordingStore, SECRET } from '../helpers.js';

type Data = Record<string, unknown>;
type Mode = 'async' | 'sync';

const TOUCH_AFTER = 1_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

interface World {
  clock: ReturnType<typeof fakeClock>;
  memory: MemoryStore;
  manager: SessionManager;
  cookie: string;
}

/** What this request did that the old definition reads and the session does not show. */
interface Seen {
  destroyed: boolean;
  sentEarlier: boolean;
  /** The maxAge this request set and no commit stored since. */
  maxAgeSet?: { value: number | null };
}

/** How the record was left before this request loads it. */
const priors = {
  plain: async () => {},
  // Another request changed the lifetime where no cookie could go: the cookie is owed.
  owed: async ({ manager, cookie }: World) => {
    const other = await manager.load(cookie);
    other.maxAge = 7 * DAY;
    await commitWithoutCookie(other);
  },
  // A write that sent no cookie: touched is newer than cookieAt, so once the cookie's
  // throttle has passed a write would send one and a commit without one would not. Besides
  // data no store can keep, the one state here where the pre-check passes and the plan sends
  // none.
  writtenSinceCookie: async ({ manager, cookie, clock }: World) => {
    clock.advance(600);
    const other = await manager.load<Data>(cookie);
    other.data.n = 1;
    await other.commit();
  },
  // The cookie was signed with an older secret: every commit re-signs it.
  resigned: async () => {},
} satisfies Record<string, (world: World) => Promise<void>>;

/**
 * Clock moves between that and this request's load: none, less than touchAfter, more; a step
 * back that leaves the stamps young (less than touchAfter ahead), one that makes them old.
 */
const elapsed = [0, 500, 1_500, -500, -HOUR];

/** What this request does before refreshOnly() is asked. */
const actions = {
  none: async () => {},
  change: async (s: Session<Data>) => {
    s.data.seen = true;
  },
  touch: async (s: Session<Data>) => {
    s.touch();
  },
  // The lifetime it already has: a change only where the record kept none of its own.
  sameMaxAge: async (s: Session<Data>, seen: Seen) => {
    const current = s.maxAge;
    s.maxAge = current;
    seen.maxAgeSet = { value: current };
  },
  newMaxAge: async (s: Session<Data>, seen: Seen) => {
    s.maxAge = 2 * DAY;
    seen.maxAgeSet = { value: 2 * DAY };
  },
  badData: async (s: Session<Data>) => {
    s.data.fn = () => 1;
  },
  saved: async (s: Session<Data>, seen: Seen) => {
    seen.sentEarlier = (await s.commit()).length > 0;
  },
  savedThenChange: async (s: Session<Data>, seen: Seen) => {
    s.data.a = 1;
    seen.sentEarlier = (await s.commit()).length > 0;
    s.data.b = 2;
  },
  cookieless: async (s: Session<Data>) => {
    markCookieless(s);
  },
  // A logout elsewhere, then this request's commit finds the record gone: the session is lost.
  lostOnWrite: async (s: Session<Data>, seen: Seen, world: World) => {
    await (await world.manager.load(world.cookie)).destroy();
    s.data.seen = true;
    seen.sentEarlier = (await s.commit()).length > 0;
  },
  lostOnCommit: async (s: Session<Data>, seen: Seen, world: World) => {
    await (await world.manager.load(world.cookie)).destroy();
    seen.sentEarlier = (await s.commit()).length > 0;
  },
  destroyed: async (s: Session<Data>, seen: Seen) => {
    await s.destroy();
    seen.destroyed = true;
  },
  regenerated: async (s: Session<Data>) => {
    await s.regenerate();
  },
} satisfies Record<string, (s: Session<Data>, seen: Seen, world: World) => Promise<void>>;

async function setUp(mode: Mode, rolling: boolean, maxAge: number | null, resigned: boolean) {
  const clock = fakeClock();
  const memory = new MemoryStore({ clock });
  const store = recordingStore(memory, { sync: mode === 'sync' });
  const options = {
    store,
    clock,
    rolling,
    ttl: 60_000,
    touchAfter: TOUCH_AFTER,
    cookie: { maxAge },
  };
  const manager = createSessionManager({ ...options, secret: [SECRET, OLD_SECRET] });
  const signer = resigned ? createSessionManager({ ...options, secret: OLD_SECRET }) : manager;
  const login = await signer.load<Data>(undefined);
  login.data.user = 'ann';
  const cookie = cookiePair((await login.commit())[0]);
  return { clock, memory, manager, cookie };
}

/** The session's own lifetime in the record as loaded (absent: the manager's). */
async function storedMaxAge(memory: MemoryStore, id: string): Promise<unknown> {
  const meta = (await memory.get(id))?.[META_KEY] as { maxAge?: unknown } | undefined;
  return meta?.maxAge;
}

/** A lifetime set here other than the record's own as loaded: news, not a refresh. */
function lifetimeChanged(seen: Seen, loadedMaxAge: unknown): boolean {
  return seen.maxAgeSet !== undefined && seen.maxAgeSet.value !== loadedMaxAge;
}

/** The old definition of refreshOnly(), from what the session shows and what the test saw. */
function oracle(s: Session<Data>, seen: Seen, loadedMaxAge: unknown): boolean {
  const refreshesOnly =
    !s.isNew &&
    idStored(s) &&
    !seen.destroyed &&
    !seen.sentEarlier &&
    !lifetimeChanged(seen, loadedMaxAge);
  return refreshesOnly && plannedCookies(s).length > 0;
}

/**
 * Whether a cookie the commit sends could only be a refresh: the id as loaded (not
 * regenerated), not destroyed, sent by no earlier commit, with no lifetime changed here.
 */
function refreshEligible(s: Session<Data>, loadedId: string, seen: Seen, loadedMaxAge: unknown) {
  return (
    s.id === loadedId &&
    !seen.destroyed &&
    !seen.sentEarlier &&
    !lifetimeChanged(seen, loadedMaxAge)
  );
}

/** The mismatches in one state, described; none when refreshOnly() answers as it should. */
async function check(
  mode: Mode,
  rolling: boolean,
  maxAge: number | null,
  prior: keyof typeof priors,
  step: number,
  action: keyof typeof actions,
): Promise<string[]> {
  const label = `${mode} rolling=${rolling} maxAge=${maxAge} ${prior} ${step}ms ${action}`;
  const world = await setUp(mode, rolling, maxAge, prior === 'resigned');
  await priors[prior](world);
  world.clock.advance(step);
  const session = await world.manager.load<Data>(world.cookie);
  const loadedId = session.id;
  const loadedMaxAge = await storedMaxAge(world.memory, session.id);
  const seen: Seen = { destroyed: false, sentEarlier: false };
  await actions[action](session, seen, world);
  const wrong: string[] = [];
  const asked = refreshOnly(session);
  const expected = oracle(session, seen, loadedMaxAge);
  if (asked !== expected) wrong.push(`${label}: refreshOnly ${asked}, old definition ${expected}`);
  let sent: boolean;
  try {
    sent = (await session.commit()).length > 0;
  } catch {
    sent = false;
  }
  // A refresh the commit sent is one refreshOnly() must have announced, and the other way round.
  if (refreshEligible(session, loadedId, seen, loadedMaxAge) && asked !== sent) {
    wrong.push(`${label}: refreshOnly ${asked}, commit sent ${sent ? 'a cookie' : 'none'}`);
  }
  return wrong;
}

for (const mode of ['sync', 'async'] as const) {
  describe(`refreshOnly() over session states, ${mode} store access`, () => {
    it('answers as plannedCookies() did, and as the commit then sends', async () => {
      const wrong: string[] = [];
      for (const rolling of [false, true]) {
        for (const maxAge of [60_000, null]) {
          for (const prior of Object.keys(priors) as (keyof typeof priors)[]) {
            for (const step of elapsed) {
              for (const action of Object.keys(actions) as (keyof typeof actions)[]) {
                wrong.push(...(await check(mode, rolling, maxAge, prior, step, action)));
              }
            }
          }
        }
      }
      expect(wrong).toEqual([]);
    });
  });
}
