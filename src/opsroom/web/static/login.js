'use strict';
// Shows the error notice when the server redirects back with ?error=1.
document.addEventListener('DOMContentLoaded', () => {
  const params = new URLSearchParams(window.location.search);
  if (params.get('error') === '1') {
    document.getElementById('login-error').hidden = false;
  }
});
