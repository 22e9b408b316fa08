/**
 * lbkit's internals, shared by the core's packages and not exported by the module: not API, may
 * change in any release.
 */
package io.lbkit.internal;
