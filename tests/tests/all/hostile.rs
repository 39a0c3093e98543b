//! Hostile guests: each attack ends in its own typed error, and the host keeps serving.
