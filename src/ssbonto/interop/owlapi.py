"""The OWL API that owlready2 ships inside HermiT.jar (OWL API 3), started once per process through
JPype: the quality checks use its OWL 2 DL profile, the import modules its locality-based module
extractor. No JDK and no download: a Java runtime on PATH is all it needs."""

from __future__ import annotations

from pathlib import Path

from ..errors import BuildError, Problem

_CLASSPATH: list[str] = []


def start(what: str) -> None:
    """Start the JVM with HermiT.jar on its class path (once); `what` names the caller in errors."""
    import jpype
    import jpype.imports  # noqa: F401  (enables `from org... import`)
    import owlready2

    from ..build.reason import java_available

    if not java_available():
        raise BuildError(Problem(what, None, None, "java is not on PATH; the OWL API needs a Java runtime "
                                                   "(apt-get install -y default-jre-headless)"))
    if not jpype.isJVMStarted():
        jar = Path(owlready2.__file__).parent / "hermit" / "HermiT.jar"
        _CLASSPATH.append(str(jar))
        jpype.startJVM(classpath=_CLASSPATH, convertStrings=True)
