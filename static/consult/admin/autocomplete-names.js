/* The admin's autocomplete boxes (select2) are named only by the text chosen in them, through
   an element given the role "textbox", which has no name of its own: assistive technology (and
   axe) find the box unnamed, and the search field of its list too. This names both by the
   field's <label> (WCAG 4.1.2). Loaded after the admin's autocomplete.js, which turns each
   select.admin-autocomplete into a select2 box when the page is ready. */
'use strict';
{
    const $ = django.jQuery;

    function labelOf(select) {
        return document.querySelector('label[for="' + select.id + '"]');
    }

    function name(select) {
        const label = labelOf(select);
        const container = select.nextElementSibling;
        if (!label || !container) {
            return;
        }
        if (!label.id) {
            label.id = select.id + '_label';
        }
        const combobox = container.querySelector('.select2-selection');
        const rendered = container.querySelector('.select2-selection__rendered');
        if (rendered) {
            // Plain text: the chosen co-op's name, read after the label.
            rendered.removeAttribute('role');
            rendered.removeAttribute('aria-readonly');
        }
        if (combobox) {
            combobox.setAttribute('aria-labelledby', label.id + (rendered ? ' ' + rendered.id : ''));
        }
    }

    $(function() {
        document.querySelectorAll('select.admin-autocomplete').forEach(name);
        $(document).on('select2:open', 'select.admin-autocomplete', function() {
            const label = labelOf(this);
            const field = document.querySelector('.select2-container--open .select2-search__field');
            if (label && field) {
                field.setAttribute('aria-label', label.textContent.replace(/[:\s]+$/, ''));
            }
        });
    });
}
