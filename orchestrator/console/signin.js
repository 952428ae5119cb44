import { useState } from 'preact/hooks';
import { html } from './html.js';
import { setKey, useKey } from './api.js';

/** The API key field: the key stays in this browser (localStorage) and goes on every request. */
export function SignIn() {
  const key = useKey();
  const [draft, setDraft] = useState('');
  if (key !== '') {
    return html`<div class="signin signed-in">
      <span>Signed in with key <code>${key.slice(0, 6)}…</code></span>
      <button type="button" onClick=${() => setKey('')}>Sign out</button>
    </div>`;
  }
  /** @param {import('preact').TargetedSubmitEvent<HTMLFormElement>} e */
  const submit = (e) => {
    e.preventDefault();
    setKey(draft.trim());
    setDraft('');
  };
  /** @param {import('preact').TargetedInputEvent<HTMLInputElement>} e */
  const onInput = (e) => setDraft(e.currentTarget.value);
  return html`<form class="signin" onSubmit=${submit}>
    <label for="api-key">API key</label>
    <input id="api-key" name="api-key" type="password" autocomplete="off" placeholder="vf_…" value=${draft} onInput=${onInput} />
    <button type="submit" disabled=${draft.trim() === ''}>Sign in</button>
  </form>`;
}
