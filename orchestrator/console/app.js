import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { useKey } from './api.js';
import { SignIn } from './signin.js';
import { TitlesPage } from './titles.js';
import { TitlePage } from './title.js';
import { PlansPage } from './plans.js';
import { PlanPage } from './plan.js';

/** @typedef {import('./html.js').Markup} Markup */

/**
 * Hash routes: the API serves one page, and a reload keeps the operator where they were.
 * Each view gets its route's captured groups.
 * @type {[RegExp, (...groups: string[]) => Markup][]}
 */
const ROUTES = [
  [/^#\/titles\/([A-Za-z0-9_-]+)$/, (id) => html`<${TitlePage} id=${id} />`],
  [/^#\/plans\/([A-Za-z0-9_-]+)$/, (id) => html`<${PlanPage} id=${id} />`],
  [/^#\/plans$/, () => html`<${PlansPage} />`],
  [/^#\/titles$/, () => html`<${TitlesPage} />`],
];

function useHash() {
  const [hash, setHash] = useState(location.hash || '#/titles');
  useEffect(() => {
    const on = () => setHash(location.hash || '#/titles');
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function App() {
  const hash = useHash();
  const key = useKey();
  let page = html`<p>No such page. <a href="#/titles">Titles</a></p>`;
  for (const [re, view] of ROUTES) {
    const m = re.exec(hash);
    if (m !== null) {
      page = view(...m.slice(1));
      break;
    }
  }
  const section = hash.startsWith('#/plans') ? 'plans' : 'titles';
  return html`
    <header class="top">
      <a class="brand" href="#/titles">vodforge</a>
      <nav>
        <a href="#/titles" class=${section === 'titles' ? 'active' : ''}>Titles</a>
        <a href="#/plans" class=${section === 'plans' ? 'active' : ''}>Fill plans</a>
      </nav>
      <${SignIn} />
    </header>
    <main>
      ${key === '' ? html`<p class="notice" data-test="signed-out">Sign in with an API key to see titles and fill plans.</p>` : page}
    </main>`;
}

// Preact 11 renders beside what a container holds: clear the static loading note first.
// index.html has the element.
const root = /** @type {HTMLElement} */ (document.getElementById('root'));
root.textContent = '';
render(html`<${App} />`, root);
