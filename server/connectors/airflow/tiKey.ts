/** A task instance's identity within a DAG: its run, its task and, for a mapped task, its map index. */
export const tiKey = (runId: string, taskId: string, mapIndex: number): string => `${runId}\u0000${taskId}\u0000${mapIndex}`;
