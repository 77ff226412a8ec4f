"""Actions, resources and condition keys: does the policy name things AWS knows, in shapes that fit together?"""
