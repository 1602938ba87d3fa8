import { DASHBOARD_HTML } from './dashboard.page';
import { DASHBOARD_SCRIPT } from './dashboard.script';

// The page and its script are two strings that must agree: every element the script fills must be
// in the page, the page may only load the same-origin script (the controller's CSP allows nothing
// else), and the script only reads (one GET of /dashboard/state).
describe('dashboard page and script', () => {
  const ids = new Set([...DASHBOARD_HTML.matchAll(/\bid="([a-z-]+)"/g)].map((m) => m[1]));

  it('has every element the script fills', () => {
    const byId = [...DASHBOARD_SCRIPT.matchAll(/getElementById\('([a-z-]+)'\)/g)].map((m) => m[1]);
    const tables = [...DASHBOARD_SCRIPT.matchAll(/\brows\('([a-z-]+)'/g)].map((m) => m[1]);
    expect(tables.sort()).toEqual(['dead-letters', 'entities', 'history', 'lag', 'restore-points', 'rollbacks']);
    for (const id of [...byId, ...tables]) expect({ id, inPage: ids.has(id) }).toEqual({ id, inPage: true });
  });

  it('loads only the same-origin script, with no inline code the CSP would block', () => {
    const scripts = [...DASHBOARD_HTML.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map((m) => [m[1].trim(), m[2].trim()])).toEqual([['src="/dashboard/app.js"', '']]);
    expect(DASHBOARD_HTML).not.toMatch(/\son[a-z]+=/i);
  });

  it('is a script the browser can parse that only GETs the state and never writes HTML', () => {
    expect(() => new Function(DASHBOARD_SCRIPT)).not.toThrow();
    expect([...DASHBOARD_SCRIPT.matchAll(/fetch\(([^,)]+)/g)].map((m) => m[1])).toEqual(["'/dashboard/state'"]);
    expect(DASHBOARD_SCRIPT).not.toMatch(/method\s*:|innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });
});
