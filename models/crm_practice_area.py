from odoo import fields, models


class CrmPracticeArea(models.Model):
    _name = "crm.practice.area"
    _description = "Practice Area"
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
    color = fields.Integer()
