// The module is its header (an inline function); SwiftPM builds a C target from a source file.
#include "CPrefetch.h"
