#include "CBuildVersion.h"

#ifndef OUBLIETTE_BUILD_VERSION
#define OUBLIETTE_BUILD_VERSION "0.0.0-dev"
#endif
#ifndef OUBLIETTE_BUILD_COMMIT
#define OUBLIETTE_BUILD_COMMIT ""
#endif

const char *oubliette_build_version(void) { return OUBLIETTE_BUILD_VERSION; }
const char *oubliette_build_commit(void) { return OUBLIETTE_BUILD_COMMIT; }
