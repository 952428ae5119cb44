import { h } from 'preact';
import htm from 'htm';

/** Tagged-template JSX for Preact, without a build step. */
export const html = htm.bind(h);

/** What `html` makes: a vnode, or several side by side. @typedef {ReturnType<typeof html>} Markup */
