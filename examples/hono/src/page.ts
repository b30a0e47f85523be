export interface PageState {
  user: string | undefined;
  views: number;
  messages: string[];
}

const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** User input goes into HTML: escape it. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => escapes[c]!);
}

export function renderPage({ user, views, messages }: PageState): string {
  const flashes = messages.map((m) => `<p class="flash">${escapeHtml(m)}</p>`).join('\n');
  const account = user
    ? `<p>Signed in as <strong>${escapeHtml(user)}</strong>.</p>
<form method="post" action="/logout"><button>Log out</button></form>`
    : `<form method="post" action="/login">
  <label>Name <input name="username" required></label>
  <label><input type="checkbox" name="remember"> Remember me</label> <button>Log in</button>
</form>`;
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>fastmmap-session on Hono</title></head>
<body>
<h1>fastmmap-session on Hono</h1>
${flashes}
<p>You have viewed this page <strong>${views}</strong> times (pid ${process.pid}).</p>
${account}
</body>
</html>
`;
}
