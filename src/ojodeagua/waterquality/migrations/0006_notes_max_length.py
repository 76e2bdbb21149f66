"""Sample notes hold up to 4,000 characters, in the forms, the API and the imports alike
(issue 14)."""

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('waterquality', '0005_limit_end_meanings'),
    ]

    operations = [
        migrations.AlterField(
            model_name='sample',
            name='notes',
            field=models.TextField(blank=True, max_length=4000, validators=[django.core.validators.MaxLengthValidator(4000)], verbose_name='notas'),
        ),
    ]
