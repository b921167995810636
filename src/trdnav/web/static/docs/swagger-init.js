/*
 * Starts Swagger UI on the /docs page (trdnav.web.api_docs). It is a file, not an inline script,
 * because the Content-Security-Policy lets pages run scripts from the app itself only. The
 * options are FastAPI's defaults, less the online validator (nothing is loaded from elsewhere).
 */
"use strict";
(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
})();
