"""(being written): trdnav clinics ..., trdnav users ..."""

import typer

clinics_app = typer.Typer(help="Create and list clinics.", no_args_is_help=True)
users_app = typer.Typer(help="Create staff accounts.", no_args_is_help=True)
