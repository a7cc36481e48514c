// A shim because a bare `header "sodium.h"` is looked up beside the module map.
#include <sodium.h>
