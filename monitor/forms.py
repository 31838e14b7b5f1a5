"""Glue between services' ValidationError and WTForms forms."""


def show_errors(form, errors):
    """Put a service's field errors next to the form's fields."""
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is None:
            form.form_errors.append(str(message))
        else:
            field.errors = [*field.errors, str(message)]
