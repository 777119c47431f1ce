"""Entry point `pulumi up` runs (see Pulumi.yaml). User mistakes end cleanly, without a stack trace."""
import pulumi

from models.errors import PlatformError
from stacks.program import main

try:
    main()
except PlatformError as err:
    raise pulumi.RunError(str(err)) from None
