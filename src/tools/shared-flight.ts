/**
 * Work that callers asking for the same key share while it runs (one MCP listing for a burst of runs), and whose
 * result is then kept for `ttlMs`; work that fails is not kept. Each caller leaves as soon as its own signal
 * fires, and the work itself is stopped (its signal fires) once every caller waiting for it has left, so work
 * nobody waits for any more holds no connection.
 */
export interface SharedFlights<T> {
  /** `start`'s result for `key`, shared; rejects with the signal's reason when `signal` fires first. */
  join(key: string, signal: AbortSignal, start: (signal: AbortSignal) => Promise<T>): Promise<T>;
}

interface Flight<T> {
  result: Promise<T>;
  stop: AbortController;
  waiting: number;
  /** When the kept result expires; Infinity while the work runs. */
  until: number;
}

export function createSharedFlights<T>(options: { ttlMs: number; maxEntries: number }): SharedFlights<T> {
  const flights = new Map<string, Flight<T>>();
  const forget = (key: string, flight: Flight<T>) => {
    if (flights.get(key) === flight) flights.delete(key);
  };
  const launch = (key: string, start: (signal: AbortSignal) => Promise<T>): Flight<T> => {
    const stop = new AbortController();
    const flight: Flight<T> = { result: start(stop.signal), stop, waiting: 0, until: Infinity };
    flight.result.then(
      () => (flight.until = Date.now() + options.ttlMs),
      () => forget(key, flight),
    );
    flights.set(key, flight);
    if (flights.size > options.maxEntries) flights.delete(flights.keys().next().value!);
    return flight;
  };
  return {
    join(key, signal, start) {
      if (signal.aborted) return Promise.reject(signal.reason);
      let flight = flights.get(key);
      if (flight && flight.until <= Date.now()) forget(key, flight);
      flight = flights.get(key) ?? launch(key, start);
      if (flight.until !== Infinity) return flight.result;
      return wait(flight, signal, () => forget(key, flight));
    },
  };
}

function wait<T>(flight: Flight<T>, signal: AbortSignal, onAbandoned: () => void): Promise<T> {
  flight.waiting++;
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const finish = () => {
      done = true;
      flight.waiting--;
      signal.removeEventListener('abort', leave);
    };
    const leave = () => {
      if (done) return;
      finish();
      if (flight.waiting === 0 && flight.until === Infinity) {
        onAbandoned();
        flight.stop.abort(signal.reason);
      }
      reject(signal.reason);
    };
    signal.addEventListener('abort', leave, { once: true });
    flight.result.then(
      (value) => {
        if (done) return;
        finish();
        resolve(value);
      },
      (error: unknown) => {
        if (done) return;
        finish();
        reject(error);
      },
    );
  });
}
