"""The baseline of bench/keybytes.py: a bare Textual DataTable of 400 users, nothing else."""

from textual.app import App
from textual.widgets import DataTable


class BareTable(App):
    def compose(self):
        table = DataTable(cursor_type="row", zebra_stripes=True)
        table.add_columns("Login", "Name", "Status", "Dept")
        for n in range(400):
            table.add_row(f"user{n:04}", f"User Number {n}", "active", "FIN-AP")
        yield table


if __name__ == "__main__":
    BareTable().run()
