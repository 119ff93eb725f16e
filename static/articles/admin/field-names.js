/* Names for the admin's form controls that have no label of their own (WCAG 4.1.2): the date
   and time boxes of a split date-time field, and the cells of a tabular inline (named by
   their column header). The autocomplete boxes are named by consult/admin/autocomplete-names.js. */
'use strict';
{
    function nameSplitDateTimes() {
        document.querySelectorAll('p.datetime').forEach(function(group) {
            const inputs = group.querySelectorAll('input');
            const row = group.closest('.form-row');
            const label = row && row.querySelector('label');
            const text = label ? label.textContent.replace(/[:\s]+$/, '') : '';
            inputs.forEach(function(input, index) {
                if (!input.getAttribute('aria-label') && text) {
                    const part = index === 0 ? group.dataset.dateLabel : group.dataset.timeLabel;
                    input.setAttribute('aria-label', text + ' (' + (part || (index === 0 ? 'date' : 'time')) + ')');
                }
            });
        });
    }

    function nameInlineCells(root) {
        (root || document).querySelectorAll('.tabular table').forEach(function(table) {
            const headers = Array.from(table.querySelectorAll('thead th'));
            table.querySelectorAll('tbody tr').forEach(function(row) {
                Array.from(row.children).forEach(function(cell) {
                    const header = headers[cell.cellIndex - 0];
                    if (!header) {
                        return;
                    }
                    cell.querySelectorAll('input:not([type=hidden]), select, textarea').forEach(function(control) {
                        if (!control.labels || control.labels.length === 0) {
                            if (!control.getAttribute('aria-label')) {
                                control.setAttribute('aria-label', header.textContent.trim());
                            }
                        }
                    });
                });
            });
        });
    }

    function labelOf(select) {
        const label = document.querySelector('label[for="' + select.id + '"]');
        if (label) {
            return label;
        }
        // A cell of a tabular inline: its column header.
        const cell = select.closest('td');
        const table = cell && cell.closest('table');
        return (table && table.querySelectorAll('thead th')[cell.cellIndex]) || null;
    }

    // select2 boxes: the single ones (named by their label or column header, then the choice)
    // and the search field of the multiple ones (tags), which select2 draws again after each
    // choice.
    function nameSelect2() {
        document.querySelectorAll('select.admin-autocomplete').forEach(function(select, index) {
            const container = select.nextElementSibling;
            const label = labelOf(select);
            if (!container || !label) {
                return;
            }
            if (!label.id) {
                label.id = 'articles-label-' + (select.id || index);
            }
            const combobox = container.querySelector('.select2-selection--single');
            const rendered = container.querySelector('.select2-selection__rendered');
            if (rendered) {
                // Plain text (the choice), read after the name.
                rendered.removeAttribute('role');
                rendered.removeAttribute('aria-readonly');
            }
            if (combobox) {
                combobox.setAttribute('aria-labelledby', label.id + (rendered && rendered.id ? ' ' + rendered.id : ''));
            }
            const search = container.querySelector('.select2-search__field');
            if (search) {
                search.setAttribute('aria-label', label.textContent.replace(/[:\s]+$/, '').trim());
            }
        });
    }

    function setUp() {
        nameSplitDateTimes();
        nameInlineCells();
        nameSelect2();
        window.setTimeout(nameSelect2, 300);
        document.addEventListener('formset:added', function() {
            nameInlineCells();
            window.setTimeout(nameSelect2, 0);
        });
        if (window.django && window.django.jQuery) {
            window.django.jQuery(document).on('select2:select select2:unselect select2:close', function() {
                window.setTimeout(nameSelect2, 0);
            });
        }
    }

    // After the admin's autocomplete.js has turned the selects into select2 boxes.
    if (document.readyState === 'complete') {
        setUp();
    } else {
        window.addEventListener('load', setUp);
    }
}
