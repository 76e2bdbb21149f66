"""Observation notes hold up to 4,000 characters, in the forms, the API and the imports alike
(issue 14)."""

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0005_rural_inspection_forms'),
    ]

    operations = [
        migrations.AlterField(
            model_name='healthcentresurvey',
            name='notes',
            field=models.TextField(blank=True, max_length=4000, validators=[django.core.validators.MaxLengthValidator(4000)], verbose_name='notas'),
        ),
        migrations.AlterField(
            model_name='householdsurvey',
            name='notes',
            field=models.TextField(blank=True, max_length=4000, validators=[django.core.validators.MaxLengthValidator(4000)], verbose_name='notas'),
        ),
        migrations.AlterField(
            model_name='schoolsurvey',
            name='notes',
            field=models.TextField(blank=True, max_length=4000, validators=[django.core.validators.MaxLengthValidator(4000)], verbose_name='notas'),
        ),
        migrations.AlterField(
            model_name='supplyday',
            name='notes',
            field=models.TextField(blank=True, max_length=4000, validators=[django.core.validators.MaxLengthValidator(4000)], verbose_name='notas'),
        ),
        migrations.AlterField(
            model_name='systemvisit',
            name='notes',
            field=models.TextField(blank=True, max_length=4000, validators=[django.core.validators.MaxLengthValidator(4000)], verbose_name='notas'),
        ),
    ]
