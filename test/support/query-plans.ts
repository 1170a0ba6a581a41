import type { DataSource } from 'typeorm';

/** One node of a PostgreSQL plan (EXPLAIN ... FORMAT JSON), with what the scale suites check. */
export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  Plans?: PlanNode[];
}

/** The node and every node below it. */
export function nodesOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
}

/**
 * EXPLAIN ANALYZE of a statement the library ran (same SQL, same parameters), as a flat list of
 * plan nodes. With a title, the text plan is added to `report` under it.
 */
export async function explainStatement(
  dataSource: DataSource,
  statement: { query: string; parameters: unknown[] },
  title: string | null,
  report: string[],
): Promise<PlanNode[]> {
  const [{ 'QUERY PLAN': json }] = await dataSource.query(
    `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${statement.query}`,
    statement.parameters,
  );
  if (title !== null) {
    const text = await dataSource.query(`EXPLAIN (ANALYZE, BUFFERS) ${statement.query}`, statement.parameters);
    report.push(
      `${title}\n${statement.query}\n${text.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n')}`,
    );
  }
  return nodesOf((json as Array<{ Plan: PlanNode }>)[0]!.Plan);
}

/** No sequential scan; `index` is used, and hands over at most `maxRows` rows wherever it is. */
export function expectIndexBound(nodes: PlanNode[], index: string, maxRows: number): void {
  expect(nodes.filter((node) => node['Node Type'] === 'Seq Scan')).toEqual([]);
  const scans = nodes.filter((node) => node['Index Name'] === index);
  expect(scans).not.toHaveLength(0);
  for (const scan of scans) expect(scan['Actual Rows']).toBeLessThanOrEqual(maxRows);
}
