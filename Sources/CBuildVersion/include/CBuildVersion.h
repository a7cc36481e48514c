#ifndef OUBLIETTE_CBUILDVERSION_H
#define OUBLIETTE_CBUILDVERSION_H

/// The version this build was stamped with ("1.2.3", or "0.0.0-dev[+commit]").
const char *oubliette_build_version(void);
/// The git commit it was built from, or "" when not stamped.
const char *oubliette_build_commit(void);

#endif
