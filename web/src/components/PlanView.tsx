/**
 * A plan (a dry run's answer) or an import's outcome: the counts per action, what blocks it,
 * and one row per package asset with its action, the name it takes and its warnings.
 */
import { useMemo, useState } from 'react';
import type { Action, Plan, PlanItem, Warning } from '../types';
import { Badge, TableScroll } from './ui';

const ACTIONS: Action[] = ['create', 'update', 'unchanged', 'keep', 'skip', 'conflict'];
const ACTION_TONE: Record<Action, string> = { create: 'success', update: 'info', unchanged: 'neutral', keep: 'neutral', skip: 'warning', conflict: 'danger' };

function ActionBadge({ action }: { action: Action }) {
  return <Badge tone={ACTION_TONE[action]}>{action}</Badge>;
}

function PlanSummary({ plan }: { plan: Plan }) {
  return (
    <ul className="summary" aria-label="Summary">
      {ACTIONS.map((a) => (
        <li key={a} className={`stat ${(plan.summary[a] ?? 0) > 0 ? ACTION_TONE[a] : 'zero'}`}>
          <span className="stat-value">{plan.summary[a] ?? 0}</span>
          <span className="stat-label">{a}</span>
        </li>
      ))}
      <li className={`stat ${(plan.summary.disabled ?? 0) > 0 ? 'warning' : 'zero'}`}>
        <span className="stat-value">{plan.summary.disabled ?? 0}</span>
        <span className="stat-label">disabled</span>
      </li>
    </ul>
  );
}

function WarningList({ warnings }: { warnings: Warning[] }) {
  if (warnings.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="warnings">
      {warnings.map((w, i) => (
        <li key={i}>
          <span className="warn-icon" aria-hidden="true">
            !
          </span>
          <span>
            {w.message} <code className="code">{w.code}</code>
          </span>
        </li>
      ))}
    </ul>
  );
}

/** Warnings about the inputs themselves (not about one package asset). */
const generalWarnings = (plan: Plan): Warning[] => {
  const ofItems = new Set(plan.items.flatMap((i) => i.warnings.map((w) => JSON.stringify(w))));
  return plan.warnings.filter((w) => !ofItems.has(JSON.stringify(w)));
};

export function PlanView({ plan, caption }: { plan: Plan; caption: string }) {
  const [filter, setFilter] = useState<'' | Action | 'warnings'>('');
  const items = useMemo(() => plan.items.filter((i) => !filter || (filter === 'warnings' ? i.warnings.length > 0 : i.action === filter)), [plan, filter]);
  const general = generalWarnings(plan);
  return (
    <section className="plan" aria-label={caption}>
      <PlanSummary plan={plan} />
      {plan.created_space ? (
        <p className="banner info" role="note">
          The import {plan.dry_run ? 'would create' : 'created'} the space <strong>{plan.created_space.name}</strong> (create new).
        </p>
      ) : null}
      {plan.problems.length > 0 ? (
        <div className="banner error" role="alert">
          <strong>The import {plan.dry_run ? 'would be' : 'was'} refused:</strong>
          <ul>
            {plan.problems.map((p, i) => (
              <li key={i}>
                {p.message} <code className="code">{p.code}</code>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {general.length > 0 ? (
        <div className="banner warning" role="note">
          <WarningList warnings={general} />
        </div>
      ) : null}
      <div className="toolbar">
        <div className="field inline">
          <label htmlFor="plan-filter">Show</label>
          <select id="plan-filter" value={filter} onChange={(e) => setFilter(e.target.value as typeof filter)}>
            <option value="">All {plan.items.length} assets</option>
            <option value="warnings">With warnings</option>
            {ACTIONS.filter((a) => (plan.summary[a] ?? 0) > 0).map((a) => (
              <option key={a} value={a}>
                {a} ({plan.summary[a]})
              </option>
            ))}
          </select>
        </div>
        <PoliciesNote policies={plan.policies} />
      </div>
      <PlanTable items={items} caption={caption} />
    </section>
  );
}

function PoliciesNote({ policies }: { policies: Record<string, string> }) {
  const entries = Object.entries(policies);
  if (entries.length === 0) return null;
  return (
    <details className="policies">
      <summary>Conflict policies</summary>
      <ul>
        {entries.map(([t, p]) => (
          <li key={t}>
            <span className="type">{t}</span> {p}
          </li>
        ))}
      </ul>
    </details>
  );
}

function PlanTable({ items, caption }: { items: PlanItem[]; caption: string }) {
  return (
    <TableScroll label={caption}>
      <table className="table plan-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Action</th>
            <th scope="col" className="hide-narrow">
              Type
            </th>
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            <th scope="col">Warnings</th>
          </tr>
        </thead>
        <tbody>
          {items.map((i) => (
            <tr key={`${i.type}/${i.source_id}/${i.name}`} className={i.warnings.length > 0 ? 'has-warnings' : undefined}>
              <td>
                <ActionBadge action={i.action} />
              </td>
              <td className="hide-narrow">
                <span className="type">{i.type}</span>
              </td>
              <th scope="row">
                {i.name}
                <span className="type-inline">
                  <span className="type">{i.type}</span>
                </span>
                {i.renamed_from ? <span className="renamed">renamed from {i.renamed_from}</span> : null}
                {i.failed ? <span className="renamed">{i.failed.reason}</span> : null}
              </th>
              <td>{i.status ? <span className={`badge ${i.status === 'enabled' ? 'success' : 'neutral'}`}>{i.status}</span> : <span className="muted">—</span>}</td>
              <td>
                <WarningList warnings={i.warnings} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
