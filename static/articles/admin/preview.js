/* The article form's preview pane: the body as readers will see it, after the server has
   rendered the Markdown and removed unsafe markup (POST to the admin's preview endpoint; the
   answer is the sanitised HTML). It follows the editor's typing after a short pause. */
'use strict';
{
    const PAUSE_MS = 700;

    function setUp() {
        const pane = document.getElementById('article-preview');
        const source = document.getElementById('id_body_source');
        const form = source && source.form;
        if (!pane || !source || !form) {
            return;
        }
        const body = document.getElementById('article-preview-body');
        const status = document.getElementById('article-preview-status');
        const language = document.getElementById('id_language');
        const token = form.querySelector('input[name="csrfmiddlewaretoken"]');
        const row = source.closest('.form-row') || source.parentElement;
        row.after(pane);
        pane.hidden = false;

        let timer = null;
        let sent = 0;

        async function refresh() {
            const mine = ++sent;
            const data = new FormData();
            data.append('body_source', source.value);
            data.append('language', language ? language.value : 'ko');
            status.textContent = '';
            try {
                const response = await fetch(pane.dataset.url, {
                    method: 'POST',
                    body: data,
                    credentials: 'same-origin',
                    headers: {'X-CSRFToken': token ? token.value : ''},
                });
                if (!response.ok) {
                    throw new Error(String(response.status));
                }
                const answer = await response.json();
                if (mine === sent) {
                    // Sanitised by the server against the body's allow-list.
                    body.innerHTML = answer.html;
                }
            } catch (error) {
                if (mine === sent) {
                    status.textContent = pane.dataset.failed || 'The preview could not be loaded.';
                }
            }
        }

        source.addEventListener('input', function() {
            window.clearTimeout(timer);
            timer = window.setTimeout(refresh, PAUSE_MS);
        });
        if (language) {
            language.addEventListener('change', refresh);
        }
        document.getElementById('article-preview-refresh').addEventListener('click', refresh);
        refresh();
    }

    if (document.readyState === 'loading') {
        document.addEventListener('DOMContentLoaded', setUp);
    } else {
        setUp();
    }
}
