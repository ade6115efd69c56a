/**
 * Choosing hours for one job at one site, given each hour's cost (Infinity = unavailable).
 * Pure functions over typed arrays with no allocation per hour: the planner calls them for every
 * job at every allowed site.
 */

/** A chosen set of hours, ascending, in `hours[0..count)`. */
export interface Selection {
  hours: Int32Array;
  count: number;
  cost: number;
}

/** Number of segments in a sorted selection: a new one starts after a gap or at another site. */
export function segmentCount(hours: Int32Array, count: number, sites?: Int32Array): number {
  let segments = count > 0 ? 1 : 0;
  for (let i = 1; i < count; i++) if (hours[i] !== hours[i - 1] + 1 || (sites && sites[i] !== sites[i - 1])) segments++;
  return segments;
}

/**
 * The `k` cheapest finite-cost hours of cost[from..to), ties to the earlier hour; undefined if
 * fewer than k are available. O(window) with quickselect on a scratch copy.
 */
export function cheapestHours(
  cost: Float64Array,
  from: number,
  to: number,
  k: number,
  scratch: Float64Array,
  out: Int32Array,
): Selection | undefined {
  let n = 0;
  for (let h = from; h < to; h++) if (cost[h] !== Infinity) scratch[n++] = cost[h];
  if (n < k || k <= 0) return undefined;
  const threshold = k === n ? maxOf(scratch, n) : kthSmallest(scratch, n, k - 1);
  let below = 0;
  for (let h = from; h < to; h++) if (cost[h] < threshold) below++;
  let atThreshold = k - below; // ties at the threshold go to the earliest hours
  let count = 0;
  let total = 0;
  for (let h = from; h < to && count < k; h++) {
    const c = cost[h];
    if (c < threshold || (c === threshold && atThreshold-- > 0)) {
      out[count++] = h;
      total += c;
    }
  }
  return { hours: out, count, cost: total };
}

/** The cheapest run of `k` consecutive finite-cost hours in cost[from..to); ties to the earliest. */
export function cheapestRun(
  cost: Float64Array,
  from: number,
  to: number,
  k: number,
  out: Int32Array,
): Selection | undefined {
  return slidingRun(cost, from, to, k, out, false);
}

/** The first run of `k` consecutive finite-cost hours in cost[from..to). */
export function earliestRun(
  cost: Float64Array,
  from: number,
  to: number,
  k: number,
  out: Int32Array,
): Selection | undefined {
  return slidingRun(cost, from, to, k, out, true);
}

/** A window of `k` hours slides over cost[from..to), restarting after each unavailable hour. */
function slidingRun(
  cost: Float64Array,
  from: number,
  to: number,
  k: number,
  out: Int32Array,
  takeFirst: boolean,
): Selection | undefined {
  let best = -1;
  let bestCost = Infinity;
  let runCost = 0;
  let runLength = 0;
  for (let h = from; h < to; h++) {
    if (cost[h] === Infinity) {
      runCost = 0;
      runLength = 0;
      continue;
    }
    runCost += cost[h];
    runLength++;
    if (runLength > k) {
      runCost -= cost[h - k];
      runLength = k;
    }
    if (runLength === k && runCost < bestCost - 1e-12) {
      bestCost = runCost;
      best = h - k + 1;
      if (takeFirst) break;
    }
  }
  if (best < 0) return undefined;
  for (let i = 0; i < k; i++) out[i] = best + i;
  return { hours: out, count: k, cost: bestCost };
}

/** The first `k` finite-cost hours of cost[from..to), wherever they are. */
export function earliestHours(
  cost: Float64Array,
  from: number,
  to: number,
  k: number,
  out: Int32Array,
): Selection | undefined {
  let count = 0;
  let total = 0;
  for (let h = from; h < to && count < k; h++) {
    if (cost[h] !== Infinity) {
      out[count++] = h;
      total += cost[h];
    }
  }
  return count === k ? { hours: out, count, cost: total } : undefined;
}

function maxOf(values: Float64Array, n: number): number {
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (values[i] > max) max = values[i];
  return max;
}

/** Hoare's quickselect: the value that would sit at index k if values[0..n) were sorted. */
function kthSmallest(values: Float64Array, n: number, k: number): number {
  let left = 0;
  let right = n - 1;
  while (left < right) {
    const pivot = values[(left + right) >> 1];
    let i = left;
    let j = right;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const t = values[i];
        values[i] = values[j];
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return values[k];
  }
  return values[k];
}
