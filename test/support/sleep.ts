/** Waits in real time: only where a real clock is what is tested (timers of real processes, real TTLs). */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
