"""(being written): trdnav db backup|restore, trdnav audit verify, trdnav retention apply"""

import typer

db_app = typer.Typer(help="Back up and restore the database.", no_args_is_help=True)
audit_app = typer.Typer(help="Check the audit trail.", no_args_is_help=True)
retention_app = typer.Typer(
    help="Delete assessments older than each clinic's retention period.", no_args_is_help=True
)
