"""A coaching session reviews one road-map action at a time: how it stood then, and what was said."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('integrity', '0010_rating_tallies'),
    ]

    operations = [
        migrations.AddField(
            model_name='coachinganswer',
            name='comment',
            field=models.TextField(blank=True, verbose_name='comentario o por qué cambió'),
        ),
        migrations.AddField(
            model_name='coachinganswer',
            name='status',
            field=models.CharField(blank=True, choices=[('pending', 'pendiente'), ('in_progress', 'en curso'), ('done', 'hecha'), ('dropped', 'se dejó')], max_length=12, verbose_name='estado en la sesión'),
        ),
    ]
