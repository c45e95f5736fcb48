//! Agreement with queueing theory and with a SimPy peer (being written).
