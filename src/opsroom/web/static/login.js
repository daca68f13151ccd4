'use strict';
// Shows the error notice when the server redirects back with ?error=1, and
// forwards ?next=/some/path to POST /login so the user lands where they were.
document.addEventListener('DOMContentLoaded', () => {
  const params = new URLSearchParams(window.location.search);
  if (params.get('error') === '1') {
    document.getElementById('login-error').hidden = false;
  }
  const next = params.get('next');
  if (next && /^\/(?![/\\])/.test(next)) {
    document.getElementById('login-form').action = '/login?next=' + encodeURIComponent(next);
  }
});
