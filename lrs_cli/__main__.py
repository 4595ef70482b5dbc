from lrs_cli.main import run

run()
