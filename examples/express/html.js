const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML: user names come from a form. */
export const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);

export function page({ user, count, messages }) {
  const flash = messages.map((m) => `<p class="flash">${escapeHtml(m)}</p>`).join('');
  const account = user
    ? `<p>Signed in as <b>${escapeHtml(user)}</b>.</p>
<form method="post" action="/logout"><button>Log out</button></form>`
    : `<form method="post" action="/login">
<input name="username" placeholder="name" required>
<label><input type="checkbox" name="remember"> Remember me</label> <button>Log in</button></form>`;
  return `<!doctype html><title>@fastmmap/express example</title>${flash}${account}
<p>Counter: ${count}</p>
<form method="post" action="/count"><button>+1</button></form>`;
}
