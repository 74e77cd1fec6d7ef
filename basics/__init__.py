"""Small ideas with one source each (digits, mobiles, masking); imports nothing of ours."""
