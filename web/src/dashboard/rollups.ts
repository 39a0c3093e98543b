// Rollup answers, cached: a month's rollups do not change while the dashboard is open, so each
// query is asked at most once (concurrent askers share the one request), and every list answer
// also fills in the single-cell queries of its cells, so drilling into a bar needs one call.
import { cellQuery, queryKey, type Cell } from "./drill";

/** A rollup answer as the dashboard uses it. */
export interface RollupAnswer {
  month: string;
  k: number;
  level: string;
  cells: Cell[];
}

/** Asks the service for one rollup. */
export type Fetcher = (query: Record<string, string>) => Promise<RollupAnswer>;

/** A cache of rollup answers in front of a fetcher. */
export class RollupCache {
  private answers = new Map<string, Promise<RollupAnswer>>();

  constructor(private readonly fetcher: Fetcher) {}

  /** The answer to `query`, asked once. A refusal is not kept, so a retry asks again. */
  get(query: Record<string, string>): Promise<RollupAnswer> {
    const key = queryKey(query);
    const known = this.answers.get(key);
    if (known) return known;
    const asked = this.fetcher(query).then((answer) => {
      this.seed(answer);
      return answer;
    });
    asked.catch(() => this.answers.delete(key));
    this.answers.set(key, asked);
    return asked;
  }

  /** Whether `query` was asked already (answered or in flight). */
  has(query: Record<string, string>): boolean {
    return this.answers.has(queryKey(query));
  }

  /** Records each cell of a list as the answer to its own single-cell query. */
  private seed(answer: RollupAnswer): void {
    for (const cell of answer.cells) {
      const key = queryKey(cellQuery(answer.month, cell));
      if (!this.answers.has(key)) {
        this.answers.set(key, Promise.resolve({ month: answer.month, k: answer.k, level: answer.level, cells: [cell] }));
      }
    }
  }
}

/** One point of a cell's series: its month and the cell then (null when it had no such cell). */
export interface Point {
  month: string;
  cell: Cell | null;
}

/**
 * The series of the cell `query` names over `months` (oldest first), asking at most
 * `concurrency` rollups at a time; `onPoint` sees each point as it arrives.
 */
export async function series(
  cache: RollupCache,
  query: Record<string, string>,
  months: readonly string[],
  concurrency = 4,
  onPoint?: (index: number, point: Point) => void,
): Promise<Point[]> {
  const points: Point[] = months.map((month) => ({ month, cell: null }));
  let next = 0;
  async function worker() {
    while (next < months.length) {
      const i = next++;
      const month = months[i] as string;
      const answer = await cache.get({ ...query, month });
      const point = { month, cell: answer.cells[0] ?? null };
      points[i] = point;
      onPoint?.(i, point);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, months.length) }, worker));
  return points;
}
